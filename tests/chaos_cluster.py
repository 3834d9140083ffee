"""Fault injection under load on the cluster stack (`make chaos-cluster`; a short version runs
in `make test`): three NATS nodes, two replicas of every service, the edges behind HAProxy.

While the load generator of tests/chaos.py sends chat completions (plain and streamed)
through the load balancer, each fault in turn: kill -9 an edge, a ledger, a NATS node that
does not lead the event stream, then the one that does, Valkey and PostgreSQL (single
instances here, restarted at once as a pod would be). Before the faults, under the same
load, a key limited to N requests per minute is sent 2N + 10 requests spread over both edges
directly. Afterwards:
- `in_flight_on_killed`: requests that failed while they were in flight at the moment a
  process was killed (they are counted apart, as the issue asks);
- `availability`: the share of every other request that succeeded (target >= 0.99);
- `lost_events`: successful completions with no usage row; `double_charges`: completions
  charged more than once or more than the client was shown;
- each tenant's balance equals the sum of its ledger entries; what one shared ClickHouse
  would hold equals the ledger's total: once the load has settled the analytics sinks are
  stopped and their embedded stores united, one row per request_id (tests/analytics_stores.py
  says why); `analytics_cross_store_duplicates` counts the events a redelivery put in both
  local stores, which one ClickHouse server would fold (information, not a failure).

Usage: python -m tests.chaos_cluster [--seconds-per-fault N] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
from tokaroo_cli.stack import replica_names
from tokaroo_common.money import usd_to_nano
from tokaroo_ledger.analytics.config import AnalyticsSettings

from tests.analytics_stores import StoreUnion, read_stores, unite
from tests.chaos import Load, Outcome, _ledger_check, analytics_totals
from tests.harness import Stack, running_cluster

FAULTS = ["edge-1", "ledger-1", "nats-follower", "nats-leader", "valkey", "postgres"]
SINGLE_INSTANCE = ("valkey", "postgres")  # restarted at once: nothing else can answer


@dataclass
class Kill:
    fault: str
    process: str
    killed_at: float
    restarted_at: float = 0.0
    recovery_s: float | None = None


def stream_leader(stack: Stack) -> str | None:
    """The name of the NATS node leading the TOKAROO stream (asked of any live node)."""
    for node, proc in zip(
        stack.layout.nats_nodes,
        sorted(
            (p for n, p in stack.procs.items() if n.startswith("nats-")), key=lambda p: p.spec.name
        ),
        strict=True,
    ):
        if not proc.running:
            continue
        try:
            info = httpx.get(
                f"http://127.0.0.1:{node.monitor_port}/jsz?streams=true", timeout=2
            ).json()
        except (httpx.HTTPError, ValueError):
            continue
        for account in info.get("account_details") or []:
            for stream in account.get("stream_detail") or []:
                if stream.get("name") == "TOKAROO":
                    leader = (stream.get("cluster") or {}).get("leader")
                    if leader:
                        return str(leader)
    return None


def resolve(stack: Stack, fault: str) -> str:
    """The process a fault kills."""
    if fault not in ("nats-leader", "nats-follower"):
        return fault
    leader = stream_leader(stack) or "nats-1"
    if fault == "nats-leader":
        return leader
    return next(n for n in sorted(stack.procs) if n.startswith("nats-") and n != leader)


def inject(stack: Stack, fault: str, hold_s: float) -> tuple[Kill, threading.Thread]:
    """kill -9 the process, restart it after hold_s (at once for a single instance) in a
    thread that returns once it is ready again: the run goes on while a replica restarts."""
    name = resolve(stack, fault)
    proc = stack.procs[name]
    kill = Kill(fault, name, time.monotonic())
    proc.kill()

    def restart() -> None:
        time.sleep(0.2 if name in SINGLE_INSTANCE else hold_s)
        proc.start()
        kill.restarted_at = time.monotonic()

    thread = threading.Thread(target=restart, name=f"restart-{name}", daemon=True)
    thread.start()
    if name in SINGLE_INSTANCE:
        thread.join()
    return kill, thread


def rate_limit_check(stack: Stack, tenant_key: str, rpm: int) -> dict[str, Any]:
    """2 * rpm + 10 requests with a key limited to rpm per minute, alternating between the
    edges (each addressed directly, not through the load balancer)."""
    key = stack.new_key(tenant_key, rpm=rpm)
    urls = [f"http://127.0.0.1:{p}/v1" for p in stack.layout.ports("edge")]
    statuses: Counter[int] = Counter()
    per_edge: Counter[str] = Counter()
    with httpx.Client(timeout=30) as client:
        for i in range(2 * rpm + 10):
            url = urls[i % len(urls)]
            try:
                r = client.post(
                    f"{url}/chat/completions",
                    headers={
                        "Authorization": f"Bearer {key}",
                        "x-tokaroo-cache-control": "no-cache",
                    },
                    json={
                        "model": "auto",
                        "max_tokens": 8,
                        "messages": [{"role": "user", "content": f"limited {i}"}],
                    },
                )
            except httpx.HTTPError:
                statuses[0] += 1
                continue
            statuses[r.status_code] += 1
            if r.status_code == 200:
                per_edge[url] += 1
    return {
        "limit_per_minute": rpm,
        "sent": 2 * rpm + 10,
        "allowed": statuses[200],
        "rejected_429": statuses[429],
        "statuses": dict(statuses),
        "allowed_per_edge": dict(per_edge),
        "held": statuses[200] <= rpm,
    }


async def _double_charges(stack: Stack, tenant: str, successes: list[Outcome]) -> int:
    """Charge entries beyond one per charged request, plus successes charged more than the
    client was shown."""
    conn = await asyncpg.connect(stack.layout.postgres_dsn)
    try:
        extra = await conn.fetchval(
            "SELECT count(*) - count(DISTINCT cause_id) FROM ledger_entries "
            "WHERE tenant_id = $1 AND kind = 'charge'",
            tenant,
        )
        rows = await conn.fetch(
            "SELECT request_id, charged_nano FROM usage WHERE tenant_id = $1", tenant
        )
    finally:
        await conn.close()
    charged = {r["request_id"]: int(r["charged_nano"]) for r in rows}
    over = sum(1 for o in successes if charged.get(o.request_id, 0) > (o.cost_nano or 0))
    return int(extra) + over


def fault_window(kills: list[Kill], t: float) -> str:
    """The fault whose window (from one second before its kill to one second before the next
    kill) holds t."""
    name = "before-faults"
    for k in kills:
        if t >= k.killed_at - 1:
            name = k.fault
    return name


def _share_ok(outcomes: list[Outcome]) -> float:
    return round(sum(1 for o in outcomes if o.kind == "ok") / max(1, len(outcomes)), 4)


def in_flight_on(kills: list[Kill], o: Outcome) -> bool:
    return any(o.started <= k.killed_at <= (o.ended or k.killed_at) for k in kills)


def run_cluster_chaos(
    stack: Stack,
    faults: list[str],
    seconds_per_fault: float,
    concurrency: int = 8,
    rpm_limit: int = 20,
    settle_timeout_s: float = 120,
) -> dict[str, Any]:
    key = stack.new_tenant_key("100", name="chaos-cluster")
    tenant = stack.tenant_id(key)
    load = Load(stack.base_url, key, concurrency)
    runner = threading.Thread(target=lambda: asyncio.run(load.run()), daemon=True)
    runner.start()
    time.sleep(2)
    limited = rate_limit_check(stack, stack.new_tenant_key("10", name="limited"), rpm_limit)
    kills: list[Kill] = []
    restarts: list[threading.Thread] = []
    for fault in faults:
        started = time.monotonic()
        kill, restart = inject(stack, fault, hold_s=min(3.0, seconds_per_fault / 2))
        kills.append(kill)
        restarts.append(restart)
        time.sleep(max(seconds_per_fault - (time.monotonic() - started), 1.0))
    for restart in restarts:
        restart.join(timeout=180)
    time.sleep(2)
    load.stop.set()
    runner.join(timeout=90)
    outcomes = load.outcomes
    for k in kills:
        after = [o.started for o in outcomes if o.kind == "ok" and o.started >= k.restarted_at]
        k.recovery_s = round(min(after) - k.restarted_at, 3) if after else None
    failed = [o for o in outcomes if o.kind != "ok"]
    in_flight = [o for o in failed if in_flight_on(kills, o)]
    others = [o for o in outcomes if not (o.kind != "ok" and in_flight_on(kills, o))]
    # Valkey and PostgreSQL are single processes here (no replica can answer while they
    # restart); the share without their windows is what the replicas alone achieve.
    replicated = [o for o in others if fault_window(kills, o.started) not in SINGLE_INSTANCE]
    successes = [o for o in outcomes if o.kind == "ok"]
    ledger, analytics = settle(stack, tenant, successes, settle_timeout_s)
    usage_ids = _usage_ids(stack, tenant)
    lost = sum(1 for o in successes if o.request_id not in usage_ids)
    by_fault: dict[str, Counter[str]] = {}
    for o in failed:
        by_fault.setdefault(fault_window(kills, o.started), Counter())[o.kind] += 1
    return {
        "requests": len(outcomes),
        "succeeded": len(successes),
        "in_flight_on_killed": len(in_flight),
        "availability": _share_ok(others),
        "availability_outside_single_instance_restarts": _share_ok(replicated),
        "errors_by_kind": dict(Counter(o.kind for o in failed)),
        "errors_by_fault": {k: dict(v) for k, v in by_fault.items()},
        "lost_events": lost,
        "double_charges": asyncio.run(_double_charges(stack, tenant, successes)),
        "rate_limit": limited,
        "faults": [
            {
                "fault": k.fault,
                "process": k.process,
                "down_s": round(k.restarted_at - k.killed_at, 2),
                "recovery_s": k.recovery_s,
            }
            for k in kills
        ],
        "ledger": ledger,
        "balance_equals_entries": ledger["balance_equals_entries"],
        # The union of the sinks' stores, one row per request_id: what one ClickHouse holds.
        "analytics_charged_nano": analytics.charged_nano,
        "analytics_requests": analytics.requests,
        "analytics_store_rows": analytics.store_rows,
        # Events a redelivery (an ack lost with a NATS node) put in both local stores.
        "analytics_cross_store_duplicates": analytics.cross_store_duplicates,
        "analytics_equals_ledger": analytics.charged_nano == ledger["charged_total_nano"],
        "client_visible_cost_nano": sum(o.cost_nano or 0 for o in successes),
        "balance_drop_nano": usd_to_nano("100") - ledger["balance_nano"],
        "topology": {
            "nats_nodes": len(stack.layout.nats_nodes),
            "replicas": {s: len(p) for s, p in stack.layout.replica_ports.items()},
            "load_balancer": "haproxy",
        },
    }


def analytics_union(stack: Stack, tenant: str) -> StoreUnion:
    """Stop the analytics sinks (SIGTERM) and unite their stores' rows of the tenant; the
    sinks stay stopped."""
    names = replica_names(stack.layout, "analytics")
    default_database = AnalyticsSettings.model_fields["clickhouse_database"].default
    envs = [stack.procs[n].spec.env for n in names]
    databases = {e.get("TOKAROO_CLICKHOUSE_DATABASE", default_database) for e in envs}
    assert len(databases) == 1, f"the sinks write different databases: {databases}"
    for name in names:
        stack.procs[name].stop()
    dsns = [e["TOKAROO_CLICKHOUSE_DSN"] for e in envs]
    return unite(read_stores(dsns, databases.pop(), tenant))


def settle(
    stack: Stack, tenant: str, successes: list[Outcome], timeout_s: float
) -> tuple[dict[str, Any], StoreUnion]:
    """Wait until every success is charged and the analytics stores' union holds the
    ledger's total (or the time is up); the ledger check and that union.

    The union needs the sinks stopped, so it is read only once the sinks' own totals reach
    the ledger's: each store dedupes itself, so their sum is at least the union, and below
    the ledger's total the union cannot match yet. When it still falls short (an event not
    yet stored), the sinks are started again and the wait goes on."""
    deadline = time.monotonic() + timeout_s
    while True:
        ledger = asyncio.run(_ledger_check(stack, tenant, successes))
        totals = asyncio.run(analytics_totals(stack, tenant))
        charged = ledger["charged_total_nano"]
        ledger_settled = ledger["successes_not_charged_exactly_count"] == 0
        late = time.monotonic() > deadline
        if late or (ledger_settled and totals is not None and totals[0] >= charged):
            union = analytics_union(stack, tenant)
            if late or (ledger_settled and union.charged_nano == charged):
                return ledger, union
            for name in replica_names(stack.layout, "analytics"):
                stack.procs[name].start()
        time.sleep(1)


def _usage_ids(stack: Stack, tenant: str) -> set[str]:
    async def fetch() -> set[str]:
        conn = await asyncpg.connect(stack.layout.postgres_dsn)
        try:
            rows = await conn.fetch("SELECT request_id FROM usage WHERE tenant_id = $1", tenant)
        finally:
            await conn.close()
        return {r["request_id"] for r in rows}

    return asyncio.run(fetch())


def passed(report: dict[str, Any], availability: float = 0.99) -> bool:
    return bool(
        report["lost_events"] == 0
        and report["double_charges"] == 0
        and report["balance_equals_entries"]
        and report["analytics_equals_ledger"]
        and report["rate_limit"]["held"]
        and report["availability"] >= availability
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds-per-fault", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--out", type=Path, default=Path("bench/results/chaos-cluster.json"))
    parser.add_argument("--keep", action="store_true", help="keep the stack's folder (logs)")
    ns = parser.parse_args(argv)
    home = Path(tempfile.mkdtemp(prefix="tk-chaosc-"))
    try:
        with running_cluster(home) as stack:
            started = time.time()
            report = run_cluster_chaos(stack, FAULTS, ns.seconds_per_fault, ns.concurrency)
    finally:
        if ns.keep:
            print(f"stack folder kept: {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
    report["command"] = "make chaos-cluster  # python -m tests.chaos_cluster " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    report["started_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started))
    report["seconds_per_fault"] = ns.seconds_per_fault
    ns.out.parent.mkdir(parents=True, exist_ok=True)
    ns.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0 if passed(report) else 1


if __name__ == "__main__":
    sys.exit(main())
