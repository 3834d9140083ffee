"""The analytics ClickHouse schema: the SQL files of `migrations/`, registered as the store
`analytics` (entry point `tokaroo.migrations`) and applied by `tokaroo-migrate`
(tokaroo_common.migrations). ClickHouse DDL is not transactional, so every statement is
idempotent (`IF NOT EXISTS`): a migration interrupted half-way is simply applied again."""

from __future__ import annotations

from tokaroo_common.migration_stores import ClickHouseStore
from tokaroo_common.migrations import LegacyTable, MigrationSet
from tokaroo_common.migrations import migrate as apply_set

from tokaroo_ledger.analytics.warehouse import Warehouse

MIGRATIONS = MigrationSet(
    store="analytics",
    engine="clickhouse",
    package="tokaroo_ledger.analytics",
    # The earlier runner recorded (version UInt32, name, checksum) in schema_migrations.
    legacy=LegacyTable(
        "schema_migrations",
        "SELECT concat(leftPad(toString(version), 4, '0'), '_', name), "
        "argMax(checksum, applied_at) FROM schema_migrations "
        "GROUP BY version, name",
    ),
)


async def migrate(wh: Warehouse) -> list[str]:
    """Apply pending migrations on the warehouse's client (the sink's auto-migrate, tests);
    return the versions applied. Nothing else may use the client meanwhile."""
    return await apply_set(ClickHouseStore(wh.client), MIGRATIONS)
