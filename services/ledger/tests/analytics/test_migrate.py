from __future__ import annotations

import re
from pathlib import Path

import pytest
from tokaroo_common.migrations import MigrationError
from tokaroo_ledger.analytics.migrate import MIGRATIONS, migrate
from tokaroo_ledger.analytics.warehouse import Warehouse


async def test_migrations_are_recorded_and_idempotent(warehouse: Warehouse) -> None:
    versions = [m.version for m in MIGRATIONS.load()]
    assert versions == sorted(versions) and versions[0] == "0001_completion_events"
    assert await migrate(warehouse) == []
    recorded = await warehouse.rows(
        "SELECT version FROM tokaroo_migrations FINAL WHERE store = 'analytics' ORDER BY version"
    )
    assert [v for (v,) in recorded] == versions
    tables = {
        r[0]
        for r in await warehouse.rows(
            "SELECT name FROM system.tables WHERE database = currentDatabase()"
        )
    }
    assert {
        "completion_events",
        "usage_hourly",
        "usage_hourly_mv",
        "provider_hourly",
        "provider_hourly_mv",
        "tokaroo_migrations",
    } <= tables


async def test_outdated_parts_are_removed_serially(warehouse: Warehouse) -> None:
    """No burst of part-removal threads: each one stays in the embedded engine's global pool
    with three /proc files open (the soak's descriptor growth, issue #20)."""
    ddl = dict(
        await warehouse.rows(
            "SELECT name, create_table_query FROM system.tables "
            "WHERE database = currentDatabase() AND engine LIKE '%MergeTree'"
        )
    )
    assert {"completion_events", "usage_hourly", "provider_hourly"} <= set(ddl)
    for name in ("completion_events", "usage_hourly", "provider_hourly"):
        assert "concurrent_part_removal_threshold = 1000000000" in ddl[name], name
        # migration 0005: the in-memory deduplication log stays small (issue #20's soak)
        assert re.search(r"non_replicated_deduplication_window = 1000\b", ddl[name]), name


async def test_raw_table_design(warehouse: Warehouse) -> None:
    ((engine, partition, sorting, ddl),) = await warehouse.rows(
        "SELECT engine, partition_key, sorting_key, create_table_query FROM system.tables "
        "WHERE database = currentDatabase() AND name = 'completion_events'"
    )
    assert engine == "ReplacingMergeTree"
    assert partition == "toYYYYMM(created_at)"
    assert sorting.startswith("tenant_id") and "request_id" in sorting
    assert "TTL" in ddl


async def test_a_changed_applied_migration_is_refused(warehouse: Warehouse) -> None:
    await warehouse.command(
        "INSERT INTO tokaroo_migrations (store, version, checksum) "
        "VALUES ('analytics', '0001_completion_events', 'tampered')"
    )
    with pytest.raises(MigrationError, match="changed"):
        await migrate(warehouse)


async def test_a_warehouse_of_the_earlier_runner_is_adopted(tmp_path: Path) -> None:
    """The earlier runner kept (version UInt32, name, checksum) in `schema_migrations`."""
    migrations = MIGRATIONS.load()
    wh = Warehouse.open(f"chdb://{tmp_path / 'ch'}", "tokaroo")
    try:
        await wh.command(
            "CREATE TABLE schema_migrations (version UInt32, name String, "
            "checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) "
            "ENGINE = ReplacingMergeTree ORDER BY version"
        )
        first = migrations[0]
        for statement in first.statements():
            await wh.command(statement)
        await wh.insert(
            "schema_migrations",
            [(1, first.version[5:], first.checksum)],
            ["version", "name", "checksum"],
        )
        assert await migrate(wh) == [m.version for m in migrations[1:]]
        assert await migrate(wh) == []
        tables = {
            r[0]
            for r in await wh.rows(
                "SELECT name FROM system.tables WHERE database = currentDatabase()"
            )
        }
        assert "schema_migrations" not in tables
    finally:
        wh.close()
