"""The ledger's PostgreSQL schema: the SQL files of `migrations/`, registered as the store
`ledger` (entry point `tokaroo.migrations`) and applied by `tokaroo-migrate`
(tokaroo_common.migrations). Applied files are never edited; a change is a new file."""

from __future__ import annotations

from tokaroo_common.migration_stores import postgres_store
from tokaroo_common.migrations import LegacyTable, MigrationSet
from tokaroo_common.migrations import migrate as apply_set

MIGRATIONS = MigrationSet(
    store="ledger",
    engine="postgres",
    package="tokaroo_ledger",
    # The ledger's earlier runner recorded file names ("0001_init.sql") with checksums.
    legacy=LegacyTable("schema_migrations", "SELECT version, checksum FROM schema_migrations"),
)


async def migrate(dsn: str) -> list[str]:
    """Apply the ledger's pending migrations (tests, `python -m tokaroo_ledger migrate`);
    return the versions applied."""
    async with postgres_store(dsn) as db:
        return await apply_set(db, MIGRATIONS)
