"""Per-key rate limits (requests and tokens per minute), atomic in Redis so they hold across
every edge replica. A sliding approximation over two fixed one-minute windows, in one Lua
script: the previous window's count weighted by how much of it still overlaps, plus the
current one. If Redis is unreachable the limiter fails open (the balance hold still bounds
spend) and logs it."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError
from tokaroo_common.errors import RateLimited

log = logging.getLogger(__name__)

WINDOW_S = 60

# KEYS[1] current window, KEYS[2] previous window; ARGV: cost, limit, weight_prev, ttl
_SCRIPT = """
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local prev = tonumber(redis.call('GET', KEYS[2]) or '0')
local cost = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local used = cur + prev * tonumber(ARGV[3])
if used + cost > limit then
  return 0
end
redis.call('INCRBY', KEYS[1], cost)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return 1
"""


@dataclass(frozen=True)
class Limits:
    requests_per_minute: int  # 0 = unlimited
    tokens_per_minute: int  # 0 = unlimited


def window_keys(kind: str, key_id: str, now: float) -> tuple[str, str, float]:
    """(current key, previous key, weight of the previous window). Pure."""
    window = int(now // WINDOW_S)
    elapsed = (now % WINDOW_S) / WINDOW_S
    base = f"tokaroo:rl:{{{key_id}}}:{kind}"
    return f"{base}:{window}", f"{base}:{window - 1}", 1.0 - elapsed


class RateLimiter:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._script = redis.register_script(_SCRIPT)

    async def _take(self, kind: str, key_id: str, cost: int, limit: int) -> bool:
        cur, prev, weight = window_keys(kind, key_id, time.time())
        try:
            allowed = await self._script(
                keys=[cur, prev], args=[cost, limit, f"{weight:.6f}", WINDOW_S * 2]
            )
        except (RedisError, OSError) as exc:
            log.warning("rate limiter unavailable; allowing", extra={"error": repr(exc)})
            return True
        return bool(allowed)

    async def check(self, key_id: str, limits: Limits, tokens: int) -> None:
        if limits.requests_per_minute and not await self._take(
            "req", key_id, 1, limits.requests_per_minute
        ):
            raise RateLimited(
                f"Rate limit reached: {limits.requests_per_minute} requests per "
                "minute for this API key.",
                retry_after=_retry_after(),
            )
        if limits.tokens_per_minute and not await self._take(
            "tok", key_id, max(tokens, 1), limits.tokens_per_minute
        ):
            raise RateLimited(
                f"Rate limit reached: {limits.tokens_per_minute} tokens per "
                "minute for this API key.",
                retry_after=_retry_after(),
            )


def _retry_after() -> float:
    """Seconds until the current window closes (when the previous one stops counting fully)."""
    return float(max(1, math.ceil(WINDOW_S - time.time() % WINDOW_S)))
