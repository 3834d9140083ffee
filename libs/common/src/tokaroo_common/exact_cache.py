"""The exact cache on Valkey: a tenant's stored answer by request key, read and written by the
edge and invalidated by the cache service, both through this one class and `cache_keys`. Any
Valkey failure degrades to a miss (or a skipped store), never an error for the caller. Each
tenant has a sorted-set index (request key -> created ms) used to evict the oldest entries
past `max_entries_per_tenant` and to invalidate by age."""

from __future__ import annotations

import logging
import time
from typing import Any

from redis.asyncio import Redis

from tokaroo_common.cache_keys import exact_key, index_key, tenant_pattern
from tokaroo_common.valkey import VALKEY_ERRORS, as_bytes
from tokaroo_common.valkey_pipe import Arg, ValkeyPipe, checked

log = logging.getLogger(__name__)

# One command per store: the entry with its TTL, its place in the tenant's index, and the
# index's size (the tenant's entries past its bound are evicted after, rarely). KEYS: entry,
# index. ARGV: body, ttl s, created ms, request key.
_PUT = """
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return redis.call('ZCARD', KEYS[2])
"""


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class ExactCache:
    def __init__(
        self,
        redis: Redis,
        *,
        max_entry_bytes: int,
        max_entries_per_tenant: int = 100_000,
        pipe: ValkeyPipe | None = None,
    ) -> None:
        """With `pipe`, the request path's read and store go on it (`valkey_pipe`)."""
        self._redis = redis
        self._pipe = pipe
        self._max = max_entry_bytes
        self._max_entries = max_entries_per_tenant
        self._put = redis.register_script(_PUT)

    async def get(self, tenant_id: str, request_key: str) -> bytes | None:
        key = exact_key(tenant_id, request_key)
        try:
            if self._pipe is not None:
                value = checked((await self._pipe.execute(("GET", key)))[0])
            else:
                value = await self._redis.get(key)
        except VALKEY_ERRORS as exc:
            log.warning(
                "exact cache lookup failed; treating as miss",
                extra={"error": repr(exc), "tenant_id": tenant_id},
            )
            return None
        return as_bytes(value)

    async def put(self, tenant_id: str, request_key: str, body: bytes, ttl_s: int) -> bool:
        """Store `body` for `ttl_s` seconds; an entry over the size bound is not stored, and
        the tenant's oldest entries past its bound are evicted."""
        if len(body) > self._max or ttl_s <= 0:
            return False
        keys = [exact_key(tenant_id, request_key), index_key(tenant_id)]
        args: list[Arg] = [body, ttl_s, int(time.time() * 1000), request_key]
        try:
            count = await self._store(keys, args)
            if int(count) > self._max_entries:
                await self._evict(tenant_id, int(count) - self._max_entries)
        except VALKEY_ERRORS as exc:
            log.warning(
                "exact cache store failed", extra={"error": repr(exc), "tenant_id": tenant_id}
            )
            return False
        return True

    async def _store(self, keys: list[str], args: list[Arg]) -> Any:
        """The store script's reply, on the pipe when there is one."""
        if self._pipe is not None:
            return await self._pipe.run_script(self._put, keys, args)
        return await self._put(keys=keys, args=args)

    async def _evict(self, tenant_id: str, excess: int) -> None:
        oldest: list[Any] = list(await self._redis.zpopmin(index_key(tenant_id), excess))
        if oldest:
            await self._redis.delete(*(exact_key(tenant_id, _text(p[0])) for p in oldest))

    async def invalidate_tenant(self, tenant_id: str, older_than_ms: int = 0) -> int:
        """Delete the tenant's entries, or only those created before `older_than_ms`.
        Raises VALKEY_ERRORS: an invalidation that did not happen must say so."""
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
