"""The cache's PostgreSQL schema: the SQL files of `migrations/`, registered as the store
`cache` (entry point `tokaroo.migrations`) and applied by `tokaroo-migrate`
(tokaroo_common.migrations). Applied files are never edited; a change is a new file."""

from __future__ import annotations

from tokaroo_common.migration_stores import postgres_store
from tokaroo_common.migrations import LegacyTable, MigrationSet
from tokaroo_common.migrations import migrate as apply_set

MIGRATIONS = MigrationSet(
    store="cache",
    engine="postgres",
    package="tokaroo_cache",
    # The cache's earlier runner kept versions without checksums.
    legacy=LegacyTable(
        "cache_schema_migrations", "SELECT version, NULL FROM cache_schema_migrations"
    ),
)


async def migrate(dsn: str) -> list[str]:
    """Apply the cache's pending migrations (tests, benchmarks); return the versions applied."""
    async with postgres_store(dsn) as db:
        return await apply_set(db, MIGRATIONS)
