"""What one shared ClickHouse would hold of a tenant's analytics, read from the cluster
stack's embedded stores (used by tests/chaos_cluster.py).

Locally each analytics sink embeds its own ClickHouse engine (chdb, one directory per sink),
and both sinks share one durable JetStream consumer. When an ack is lost with a NATS node,
the event is redelivered, possibly to the other sink, and then lies in both stores. In
production both sinks write one ClickHouse server: the writer skips a request_id already
present (tokaroo_ledger.analytics.writer) and ReplacingMergeTree on request_id, read with
FINAL, folds the rest, so the server counts that event once. Summing the sinks' answers would
count it twice; the union of the stores' rows, one per request_id, is what the server holds.

How: once the load has settled, the sinks are stopped (SIGTERM: a finished batch is already
acked, anything else is redelivered after a restart), then each store's (request_id,
charged_nano) rows of the tenant are read from `completion_events FINAL` and united by
request_id (a redelivered event carries the same values in both stores).

Why stopped, and why a subprocess: a chdb directory has one owner at a time, so a running
sink's store cannot be opened beside it, and the sinks' gRPC API answers only totals, never
request ids (a union needs them). A process holds one chdb path at a time ("EmbeddedServer
already initialized with path ..."), and the test process may hold one already (the analytics
unit tests of the same pytest run use chdb), so a short subprocess,
`python -m tests.analytics_stores TENANT DATABASE DSN...`, opens the stores one after another
and prints their rows as JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_ROWS = (
    "SELECT request_id, charged_nano FROM completion_events FINAL WHERE tenant_id = {tenant:String}"
)


@dataclass(frozen=True)
class StoreUnion:
    charged_nano: int  # over the union, one row per request_id
    requests: int  # request ids in the union
    cross_store_duplicates: int  # request ids found in more than one store
    store_rows: list[int]  # rows each store holds for the tenant


def unite(stores: list[dict[str, int]]) -> StoreUnion:
    """The union of the stores' request_id -> charged_nano rows, one per request_id."""
    union: dict[str, int] = {}
    seen_in: dict[str, int] = {}
    for rows in stores:
        for request_id, charged in rows.items():
            union.setdefault(request_id, charged)
            seen_in[request_id] = seen_in.get(request_id, 0) + 1
    return StoreUnion(
        charged_nano=sum(union.values()),
        requests=len(union),
        cross_store_duplicates=sum(1 for n in seen_in.values() if n > 1),
        store_rows=[len(rows) for rows in stores],
    )


def read_store(dsn: str, database: str, tenant: str) -> dict[str, int]:
    """The tenant's request_id -> charged_nano in one store (opened, read and closed here:
    call it only in a process that holds no other chdb path)."""
    from tokaroo_common.clickhouse import open_client

    client = open_client(dsn, database)
    try:
        result = client.query(_ROWS, parameters={"tenant": tenant})
        return {str(r[0]): int(r[1]) for r in result.result_rows}
    finally:
        client.close()


def read_stores(
    dsns: list[str], database: str, tenant: str, timeout_s: float = 180
) -> list[dict[str, int]]:
    """Each store's rows of the tenant, read in one subprocess (see the module docstring);
    no sink may be running on these stores."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.analytics_stores", tenant, database, *dsns],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    if done.returncode != 0:
        raise RuntimeError(f"reading the analytics stores failed:\n{done.stderr[-4000:]}")
    stores: list[dict[str, int]] = json.loads(done.stdout)
    return stores


def main(argv: list[str] | None = None) -> int:
    tenant, database, *dsns = sys.argv[1:] if argv is None else argv
    print(json.dumps([read_store(dsn, database, tenant) for dsn in dsns]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
