"""The cache's schema through the one migration runner: a database migrated by the cache's
earlier runner (`cache_schema_migrations`, no checksums) is adopted without re-applying."""

from __future__ import annotations

import uuid

import asyncpg
from tokaroo_cache.migrate import MIGRATIONS, migrate
from tokaroo_cli.infra import Servers, database_dsn, ensure_database


async def test_a_database_of_the_earlier_runner_is_adopted(servers: Servers) -> None:
    name = "cache_" + uuid.uuid4().hex[:10]
    await ensure_database(servers.postgres_dsn, name)
    dsn = database_dsn(servers.postgres_dsn, name)
    migrations = MIGRATIONS.load()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "CREATE TABLE cache_schema_migrations (version text PRIMARY KEY, "
            "applied_at timestamptz NOT NULL DEFAULT now())"
        )
        await conn.execute(migrations[0].sql)
        await conn.execute(
            "INSERT INTO cache_schema_migrations (version) VALUES ($1)", migrations[0].version
        )
    finally:
        await conn.close()
    assert await migrate(dsn) == [m.version for m in migrations[1:]]
    assert await migrate(dsn) == []
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT version, checksum FROM tokaroo_migrations "
            "WHERE store = 'cache' ORDER BY version"
        )
        assert [(r["version"], r["checksum"]) for r in rows] == [
            (m.version, m.checksum) for m in migrations
        ]
        assert await conn.fetchval("SELECT to_regclass('cache_schema_migrations')") is None
    finally:
        await conn.close()
