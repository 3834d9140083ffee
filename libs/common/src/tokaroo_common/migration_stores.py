"""The two engines behind `migrations.Store`: PostgreSQL (asyncpg) and ClickHouse
(`clickhouse-connect`, a server or the embedded chDB engine).

- PostgreSQL: the whole run holds a session advisory lock, so replicas or Jobs that start at
  once migrate one after the other (the second finds nothing to do); each file and its record
  commit in one transaction.
- ClickHouse: DDL is not transactional and there is no lock; every statement of a migration is
  idempotent (`IF NOT EXISTS`), so a file interrupted half-way is simply applied again, and it
  is recorded only after its last statement succeeded.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol

import asyncpg  # type: ignore[import-untyped]

from tokaroo_common.migrations import TABLE, LegacyTable, Migration, adopted_rows

# Any constant works: it only serializes migrators of the same database.
POSTGRES_LOCK_KEY = 0x70CA_500_1ED6E5

_PG_TABLE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    store      text        NOT NULL,
    version    text        NOT NULL,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store, version)
)"""

_CH_TABLE = f"""
CREATE TABLE IF NOT EXISTS {TABLE}
(
    store       String,
    version     String,
    checksum    String,
    applied_at  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(applied_at) ORDER BY (store, version)
"""


class PostgresStore:
    """A `migrations.Store` on one asyncpg connection; use `postgres_store(dsn)`."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def applied(self, store: str) -> dict[str, str]:
        rows = await self._conn.fetch(
            f"SELECT version, checksum FROM {TABLE} WHERE store = $1", store
        )
        return {r["version"]: r["checksum"] for r in rows}

    async def adopt(self, store: str, legacy: LegacyTable, migrations: Sequence[Migration]) -> int:
        if await self._conn.fetchval("SELECT to_regclass($1)", legacy.table) is None:
            return 0
        old = [(str(r[0]), r[1]) for r in await self._conn.fetch(legacy.select)]
        rows = adopted_rows(migrations, old)
        async with self._conn.transaction():
            await self._conn.executemany(
                f"INSERT INTO {TABLE} (store, version, checksum) VALUES ($1, $2, $3) "
                "ON CONFLICT DO NOTHING",
                [(store, v, c) for v, c in rows],
            )
            await self._conn.execute(f"DROP TABLE {legacy.table}")
        return len(rows)

    async def apply(self, store: str, migration: Migration) -> None:
        async with self._conn.transaction():
            await self._conn.execute(migration.sql)
            await self._conn.execute(
                f"INSERT INTO {TABLE} (store, version, checksum) VALUES ($1, $2, $3)",
                store,
                migration.version,
                migration.checksum,
            )


@contextlib.asynccontextmanager
async def postgres_store(dsn: str) -> AsyncIterator[PostgresStore]:
    """A connection holding the migration lock, with the bookkeeping table created."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", POSTGRES_LOCK_KEY)
        try:
            await conn.execute(_PG_TABLE)
            yield PostgresStore(conn)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", POSTGRES_LOCK_KEY)
    finally:
        await conn.close()


class ClickHouseClient(Protocol):
    """The part of a `clickhouse_connect` client used here (blocking calls)."""

    def command(self, cmd: str, parameters: Any = None) -> Any: ...

    def query(self, query: str, parameters: Any = None) -> Any: ...

    def insert(
        self, table: str, data: Sequence[Sequence[Any]], column_names: str | Sequence[str] = "*"
    ) -> Any: ...


class ClickHouseStore:
    """A `migrations.Store` on a ClickHouse client whose default database is the target.
    The blocking calls run in a worker thread, one at a time."""

    def __init__(self, client: ClickHouseClient) -> None:
        self._client = client
        self._ready = False

    async def _command(self, sql: str, parameters: dict[str, Any] | None = None) -> Any:
        return await asyncio.to_thread(self._client.command, sql, parameters)

    async def _rows(self, sql: str, parameters: dict[str, Any] | None = None) -> list[Any]:
        result = await asyncio.to_thread(self._client.query, sql, parameters)
        return list(result.result_rows)

    async def _ensure_table(self) -> None:
        if not self._ready:
            await self._command(_CH_TABLE)
            self._ready = True

    async def applied(self, store: str) -> dict[str, str]:
        await self._ensure_table()
        rows = await self._rows(
            f"SELECT version, argMax(checksum, applied_at) FROM {TABLE} "
            "WHERE store = {store:String} GROUP BY version",
            {"store": store},
        )
        return {str(v): str(c) for v, c in rows}

    async def adopt(self, store: str, legacy: LegacyTable, migrations: Sequence[Migration]) -> int:
        await self._ensure_table()
        if not int(await self._command(f"EXISTS TABLE {legacy.table}")):
            return 0
        old = [(str(v), None if c is None else str(c)) for v, c in await self._rows(legacy.select)]
        rows = adopted_rows(migrations, old)
        done = await self.applied(store)
        new = [(store, v, c) for v, c in rows if v not in done]
        if new:
            await asyncio.to_thread(
                self._client.insert, TABLE, new, ["store", "version", "checksum"]
            )
        await self._command(f"DROP TABLE IF EXISTS {legacy.table}")
        return len(rows)

    async def apply(self, store: str, migration: Migration) -> None:
        await self._ensure_table()
        for statement in migration.statements():
            await self._command(statement)
        await asyncio.to_thread(
            self._client.insert,
            TABLE,
            [(store, migration.version, migration.checksum)],
            ["store", "version", "checksum"],
        )
