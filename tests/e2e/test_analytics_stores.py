"""tests/analytics_stores.py, which the cluster chaos run compares with the ledger: two sinks'
embedded stores, one event redelivered into both, read as one shared ClickHouse would hold
them (the event once)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tokaroo_ledger.analytics.migrate import migrate
from tokaroo_ledger.analytics.warehouse import Warehouse

from tests.analytics_stores import read_stores, unite

_INSERT = (
    "INSERT INTO completion_events (request_id, tenant_id, charged_nano, created_at) "
    "VALUES {values}"
)


def _store(path: Path, rows: list[tuple[str, str, int]]) -> str:
    """A migrated chdb store holding (request_id, tenant_id, charged_nano) rows; its DSN."""
    dsn = f"chdb://{path}"

    async def fill() -> None:
        wh = Warehouse.open(dsn, "tokaroo")
        try:
            await migrate(wh)
            values = ", ".join(f"('{r}', '{t}', {c}, now64(3))" for r, t, c in rows)
            await wh.command(_INSERT.format(values=values))
        finally:
            wh.close()  # one chdb path per process: closed before the next store

    asyncio.run(fill())
    return dsn


def test_an_event_in_both_stores_counts_once(tmp_path: Path) -> None:
    first = _store(tmp_path / "a", [("r1", "t", 5), ("r2", "t", 7), ("o1", "other", 100)])
    second = _store(tmp_path / "b", [("r2", "t", 7), ("r3", "t", 11)])
    stores = read_stores([first, second], "tokaroo", "t")
    assert stores == [{"r1": 5, "r2": 7}, {"r2": 7, "r3": 11}]
    union = unite(stores)
    assert union.charged_nano == 5 + 7 + 11
    assert union.requests == 3
    assert union.cross_store_duplicates == 1
    assert union.store_rows == [2, 2]


def test_no_store_is_an_empty_union() -> None:
    assert unite([{}, {}]).charged_nano == 0
    assert unite([]).requests == 0
