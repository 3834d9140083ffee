"""PostgreSQL administration for the local stack and tests: create a database with pgvector."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

import asyncpg  # type: ignore[import-untyped]


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def database_dsn(dsn: str, database: str) -> str:
    """dsn with its database (the URL path) replaced."""
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + database))


async def ensure_database(
    dsn_admin: str, name: str, *, extensions: Sequence[str] = ("vector",)
) -> bool:
    """Create database `name` if missing (connecting with dsn_admin), then
    `CREATE EXTENSION IF NOT EXISTS` each extension in it. Returns True if it was created."""
    created = False
    admin = await asyncpg.connect(dsn_admin)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            try:
                await admin.execute(f"CREATE DATABASE {quote_ident(name)}")
                created = True
            except asyncpg.DuplicateDatabaseError:
                pass
    finally:
        await admin.close()
    conn = await asyncpg.connect(database_dsn(dsn_admin, name))
    try:
        for ext in extensions:
            await conn.execute(f"CREATE EXTENSION IF NOT EXISTS {quote_ident(ext)}")
    finally:
        await conn.close()
    return created
