"""Versioned SQL migrations of the cache's Postgres schema. A command, never run on import or
at service start: `async def migrate(dsn)` applies the files of `migrations/` not yet recorded
in `cache_schema_migrations`, each in its own transaction, under an advisory lock. Applied
files are never edited; a change is a new file."""

from __future__ import annotations

from importlib import resources

import asyncpg  # type: ignore[import-untyped]

LOCK_ID = 0x70CA_C4E0  # advisory lock shared by every migrating process
TABLE = "cache_schema_migrations"


def migration_files() -> list[tuple[str, str]]:
    """(version, sql) in version order; the version is the file name without `.sql`."""
    folder = resources.files("tokaroo_cache") / "migrations"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")),
                   key=lambda f: f.name)
    return [(f.name.removesuffix(".sql"), f.read_text(encoding="utf-8")) for f in files]


async def migrate(dsn: str) -> list[str]:
    """Apply pending migrations; return the versions applied now (empty if up to date)."""
    conn = await asyncpg.connect(dsn)
    applied_now: list[str] = []
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", LOCK_ID)
        try:
            await conn.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} ("
                               "version text PRIMARY KEY, "
                               "applied_at timestamptz NOT NULL DEFAULT now())")
            done = {r["version"] for r in await conn.fetch(f"SELECT version FROM {TABLE}")}
            for version, sql in migration_files():
                if version in done:
                    continue
                async with conn.transaction():
                    await conn.execute(sql)
                    await conn.execute(f"INSERT INTO {TABLE} (version) VALUES ($1)", version)
                applied_now.append(version)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", LOCK_ID)
    finally:
        await conn.close()
    return applied_now
