"""ClickHouse access for analytics: one `clickhouse-connect` client behind an async facade.

The same code path serves a ClickHouse server (`http(s)://` DSN) and the embedded chDB engine
(`chdb:///path`): both clients expose `query`, `insert` and `command`. Calls are blocking, so
they run in a worker thread; they are serialized per client (chDB owns one engine handle and
an HTTP session must not run two queries at once).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from clickhouse_connect.driver.client import Client
from tokaroo_common.clickhouse import open_client


class Warehouse:
    """Async wrapper over a synchronous client; the caller owns `close()`."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._lock = asyncio.Lock()

    @classmethod
    def open(cls, dsn: str, database: str) -> Warehouse:
        return cls(open_client(dsn, database))

    @property
    def client(self) -> Client:
        return self._client

    async def command(
        self,
        sql: str,
        parameters: Mapping[str, Any] | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> Any:
        async with self._lock:
            return await asyncio.to_thread(
                self._client.command,
                sql,
                parameters=dict(parameters) if parameters else None,
                settings=dict(settings or {}),
            )

    async def rows(
        self,
        sql: str,
        parameters: Mapping[str, Any] | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> list[tuple[Any, ...]]:
        async with self._lock:
            result = await asyncio.to_thread(
                self._client.query,
                sql,
                parameters=dict(parameters) if parameters else None,
                settings=dict(settings or {}),
            )
        return [tuple(r) for r in result.result_rows]

    async def insert(
        self,
        table: str,
        rows: Sequence[Sequence[Any]],
        columns: Sequence[str],
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        async with self._lock:
            await asyncio.to_thread(
                self._client.insert,
                table,
                rows,
                column_names=list(columns),
                settings=dict(settings or {}),
            )

    def close(self) -> None:
        self._client.close()
