from __future__ import annotations

import pytest
from tokaroo_ledger.analytics.migrate import MigrationError, load_migrations, migrate
from tokaroo_ledger.analytics.warehouse import Warehouse


async def test_migrations_are_recorded_and_idempotent(warehouse: Warehouse) -> None:
    versions = [m.version for m in load_migrations()]
    assert versions == sorted(versions) and versions[0] == 1
    assert await migrate(warehouse) == []
    recorded = await warehouse.rows("SELECT version, name FROM schema_migrations FINAL "
                                    "ORDER BY version")
    assert [int(v) for v, _ in recorded] == versions
    tables = {r[0] for r in await warehouse.rows(
        "SELECT name FROM system.tables WHERE database = currentDatabase()")}
    assert {"completion_events", "usage_hourly", "usage_hourly_mv", "provider_hourly",
            "provider_hourly_mv", "schema_migrations"} <= tables


async def test_raw_table_design(warehouse: Warehouse) -> None:
    (engine, partition, sorting, ddl), = await warehouse.rows(
        "SELECT engine, partition_key, sorting_key, create_table_query FROM system.tables "
        "WHERE database = currentDatabase() AND name = 'completion_events'")
    assert engine == "ReplacingMergeTree"
    assert partition == "toYYYYMM(created_at)"
    assert sorting.startswith("tenant_id") and "request_id" in sorting
    assert "TTL" in ddl


async def test_a_changed_applied_migration_is_refused(warehouse: Warehouse) -> None:
    await warehouse.command("INSERT INTO schema_migrations (version, name, checksum) "
                            "VALUES (1, 'completion_events', 'tampered')")
    await warehouse.command("OPTIMIZE TABLE schema_migrations FINAL")
    with pytest.raises(MigrationError, match="changed"):
        await migrate(warehouse)
