"""The ledger's schema through the one migration runner (tokaroo_common.migrations) against a
real PostgreSQL: applied once, recorded, edited files refused, concurrent migrators
serialized, and a database migrated by the earlier runner adopted without re-applying."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from tokaroo_common.migrations import MigrationError
from tokaroo_ledger.migrate import MIGRATIONS, migrate


def test_migrations_are_numbered_and_ordered() -> None:
    found = MIGRATIONS.load()
    assert found[0].version == "0001_init"
    assert [m.version for m in found] == sorted(m.version for m in found)


async def _recorded(dsn: str) -> list[str]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT version FROM tokaroo_migrations WHERE store = 'ledger' ORDER BY version"
        )
        return [r["version"] for r in rows]
    finally:
        await conn.close()


async def test_migrate_applies_once_and_records(dsn: str) -> None:
    first = await migrate(dsn)
    assert first == [m.version for m in MIGRATIONS.load()]
    assert await migrate(dsn) == []
    assert await _recorded(dsn) == first
    conn = await asyncpg.connect(dsn)
    try:
        tables = {
            r["tablename"]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
        assert {"tenants", "api_keys", "ledger_entries", "usage"} <= tables
        index = await conn.fetchval(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'usage_tenant_created_idx'"
        )
        assert "created_at DESC, request_id DESC" in index
    finally:
        await conn.close()


async def test_edited_migration_is_refused(dsn: str) -> None:
    await migrate(dsn)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("UPDATE tokaroo_migrations SET checksum = 'x'")
    finally:
        await conn.close()
    with pytest.raises(MigrationError, match="changed after it was applied"):
        await migrate(dsn)


async def test_concurrent_migrators_apply_each_file_once(dsn: str) -> None:
    results = await asyncio.gather(*(migrate(dsn) for _ in range(3)))
    everything = [m.version for m in MIGRATIONS.load()]
    assert sorted(results, key=len) == [[], [], everything]
    assert await _recorded(dsn) == everything


async def test_a_database_of_the_earlier_runner_is_adopted(dsn: str) -> None:
    """The earlier runner recorded `0001_init.sql` style versions in `schema_migrations`."""
    migrations = MIGRATIONS.load()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "CREATE TABLE schema_migrations (version text PRIMARY KEY, "
            "checksum text NOT NULL, applied_at timestamptz DEFAULT now())"
        )
        for m in migrations[:2]:
            await conn.execute(m.sql)
            await conn.execute(
                "INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)",
                m.version + ".sql",
                m.checksum,
            )
    finally:
        await conn.close()
    # Only what the old runner had not applied runs now (re-running 0001 would fail).
    assert await migrate(dsn) == [m.version for m in migrations[2:]]
    assert await _recorded(dsn) == [m.version for m in migrations]
    conn = await asyncpg.connect(dsn)
    try:
        assert await conn.fetchval("SELECT to_regclass('schema_migrations')") is None
    finally:
        await conn.close()


async def test_ledger_entries_are_append_only(migrated_dsn: str) -> None:
    conn = await asyncpg.connect(migrated_dsn)
    try:
        await conn.execute("INSERT INTO tenants (id, name) VALUES (gen_random_uuid(), 't')")
        await conn.execute(
            "INSERT INTO ledger_entries (tenant_id, kind, amount_nano, cause_id)"
            " SELECT id, 'credit', 5, 'c1' FROM tenants"
        )
        with pytest.raises(asyncpg.RaiseError):
            await conn.execute("UPDATE ledger_entries SET amount_nano = 6")
        with pytest.raises(asyncpg.RaiseError):
            await conn.execute("DELETE FROM ledger_entries")
        with pytest.raises(asyncpg.CheckViolationError):  # a charge must be negative
            await conn.execute(
                "INSERT INTO ledger_entries (tenant_id, kind, amount_nano, "
                "cause_id) SELECT id, 'charge', 5, 'c2' FROM tenants"
            )
    finally:
        await conn.close()
