"""Exact cache on Redis. Any Redis failure degrades to a miss (or a skipped store), never an
error for the caller."""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from tokaroo_cache.keys import exact_key, tenant_pattern

log = logging.getLogger(__name__)


class ExactCache:
    def __init__(self, redis: Redis, *, max_entry_bytes: int) -> None:
        self._redis = redis
        self._max = max_entry_bytes

    async def get(self, tenant_id: str, request_key: str) -> bytes | None:
        try:
            value = await self._redis.get(exact_key(tenant_id, request_key))
        except (RedisError, OSError) as exc:
            log.warning("exact cache lookup failed; treating as miss",
                        extra={"error": repr(exc), "tenant_id": tenant_id})
            return None
        return bytes(value) if value is not None else None

    async def put(self, tenant_id: str, request_key: str, body: bytes, ttl_s: int) -> bool:
        if len(body) > self._max or ttl_s <= 0:
            return False
        try:
            await self._redis.set(exact_key(tenant_id, request_key), body, ex=ttl_s)
        except (RedisError, OSError) as exc:
            log.warning("exact cache store failed", extra={"error": repr(exc),
                                                          "tenant_id": tenant_id})
            return False
        return True

    async def invalidate_tenant(self, tenant_id: str) -> int:
        deleted = 0
        async for key in self._redis.scan_iter(match=tenant_pattern(tenant_id), count=500):
            deleted += int(await self._redis.delete(key))
        return deleted
