"""PostgreSQL connection pool: created once per process, waiting for the database at start."""

from __future__ import annotations

import asyncio
import logging

import asyncpg  # type: ignore[import-untyped]

log = logging.getLogger(__name__)


async def create_pool(
    dsn: str, *, min_size: int = 2, max_size: int = 10, wait_s: float = 60.0
) -> asyncpg.Pool:
    """An asyncpg pool; retries the first connection for up to `wait_s` seconds (the ledger may
    start before PostgreSQL answers)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while True:
        try:
            return await asyncpg.create_pool(
                dsn, min_size=min_size, max_size=max(min_size, max_size), command_timeout=30
            )
        except (
            OSError,
            asyncpg.CannotConnectNowError,
            asyncpg.ConnectionDoesNotExistError,
            asyncpg.TooManyConnectionsError,
        ) as exc:
            if loop.time() >= deadline:
                raise
            log.info("waiting for PostgreSQL", extra={"error": repr(exc)})
            await asyncio.sleep(0.25)
