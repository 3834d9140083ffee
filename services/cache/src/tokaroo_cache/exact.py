"""Exact cache on Redis. Any Redis failure degrades to a miss (or a skipped store), never an
error for the caller. Each tenant has a sorted-set index (request key -> created ms) used to
evict the oldest entries past `max_entries` and to invalidate by age."""

from __future__ import annotations

import logging
import time
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from tokaroo_cache.key_layout import exact_key, index_key, tenant_pattern

log = logging.getLogger(__name__)
REDIS_ERRORS = (RedisError, OSError, TimeoutError)


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class ExactCache:
    def __init__(
        self, redis: Redis, *, max_entry_bytes: int, max_entries_per_tenant: int = 100_000
    ) -> None:
        self._redis = redis
        self._max = max_entry_bytes
        self._max_entries = max_entries_per_tenant

    async def get(self, tenant_id: str, request_key: str) -> bytes | None:
        try:
            value = await self._redis.get(exact_key(tenant_id, request_key))
        except REDIS_ERRORS as exc:
            log.warning(
                "exact cache lookup failed; treating as miss",
                extra={"error": repr(exc), "tenant_id": tenant_id},
            )
            return None
        return value if isinstance(value, bytes) or value is None else str(value).encode()

    async def put(self, tenant_id: str, request_key: str, body: bytes, ttl_s: int) -> bool:
        if len(body) > self._max or ttl_s <= 0:
            return False
        now_ms = int(time.time() * 1000)
        index = index_key(tenant_id)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(exact_key(tenant_id, request_key), body, ex=ttl_s)
                pipe.zadd(index, {request_key: now_ms})
                pipe.zcard(index)
                *_, count = await pipe.execute()
            if int(count) > self._max_entries:
                await self._evict(tenant_id, int(count) - self._max_entries)
        except REDIS_ERRORS as exc:
            log.warning(
                "exact cache store failed", extra={"error": repr(exc), "tenant_id": tenant_id}
            )
            return False
        return True

    async def _evict(self, tenant_id: str, excess: int) -> None:
        oldest: list[Any] = list(await self._redis.zpopmin(index_key(tenant_id), excess))
        if oldest:
            await self._redis.delete(*(exact_key(tenant_id, _text(p[0])) for p in oldest))

    async def invalidate_tenant(self, tenant_id: str, older_than_ms: int = 0) -> int:
        """Delete the tenant's entries, or only those created before `older_than_ms`."""
        if older_than_ms > 0:
            index = index_key(tenant_id)
            members = await self._redis.zrangebyscore(index, "-inf", f"({older_than_ms}")
            if not members:
                return 0
            keys = [exact_key(tenant_id, _text(m)) for m in members]
            deleted = int(await self._redis.delete(*keys))
            await self._redis.zrem(index, *members)
            return deleted
        deleted = 0
        index = index_key(tenant_id)
        async for key in self._redis.scan_iter(match=tenant_pattern(tenant_id), count=500):
            removed = int(await self._redis.delete(key))
            deleted += removed if _text(key) != index else 0
        return deleted
