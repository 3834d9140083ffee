from __future__ import annotations

import asyncpg
import pytest
from tokaroo_ledger.migrate import MigrationError, load_migrations, migrate


def test_migrations_are_numbered_and_ordered() -> None:
    found = load_migrations()
    assert found[0].version == "0001_init.sql"
    assert [m.version for m in found] == sorted(m.version for m in found)


async def test_migrate_applies_once_and_records(dsn: str) -> None:
    first = await migrate(dsn)
    assert first == [m.version for m in load_migrations()]
    assert await migrate(dsn) == []
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT version FROM schema_migrations ORDER BY version")
        assert [r["version"] for r in rows] == first
        tables = {r["tablename"] for r in await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        assert {"tenants", "api_keys", "ledger_entries", "usage"} <= tables
        index = await conn.fetchval(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'usage_tenant_created_idx'")
        assert "created_at DESC, request_id DESC" in index
    finally:
        await conn.close()


async def test_edited_migration_is_refused(dsn: str) -> None:
    await migrate(dsn)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("UPDATE schema_migrations SET checksum = 'x'")
    finally:
        await conn.close()
    with pytest.raises(MigrationError):
        await migrate(dsn)


async def test_ledger_entries_are_append_only(migrated_dsn: str) -> None:
    conn = await asyncpg.connect(migrated_dsn)
    try:
        await conn.execute("INSERT INTO tenants (id, name) VALUES (gen_random_uuid(), 't')")
        await conn.execute("INSERT INTO ledger_entries (tenant_id, kind, amount_nano, cause_id)"
                           " SELECT id, 'credit', 5, 'c1' FROM tenants")
        with pytest.raises(asyncpg.RaiseError):
            await conn.execute("UPDATE ledger_entries SET amount_nano = 6")
        with pytest.raises(asyncpg.RaiseError):
            await conn.execute("DELETE FROM ledger_entries")
        with pytest.raises(asyncpg.CheckViolationError):  # a charge must be negative
            await conn.execute("INSERT INTO ledger_entries (tenant_id, kind, amount_nano, "
                               "cause_id) SELECT id, 'charge', 5, 'c2' FROM tenants")
    finally:
        await conn.close()
