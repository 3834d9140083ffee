"""Per-key rate limits (requests and tokens per minute), atomic in Redis so they hold across
every edge replica. A sliding approximation over two fixed one-minute windows, in one Lua
script: the previous window's count weighted by how much of it still overlaps, plus the
current one; both of a key's limits are checked and counted together, in one round trip,
and nothing is counted unless both allow the request. If Redis is unreachable the limiter
fails open (the balance hold still bounds spend) and logs it."""

from __future__ import annotations

import contextlib
import logging
import math
import time
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError
from tokaroo_common.errors import RateLimited
from tokaroo_common.valkey_pipe import ValkeyPipe

log = logging.getLogger(__name__)

WINDOW_S = 60

# Both of a key's limits in one script (one round trip), atomically: nothing is counted unless
# every limit allows the request. KEYS: requests' current and previous window, then tokens'.
# ARGV: weight of the previous window, ttl, then per limit its cost and its limit (0: none).
# Returns 0 when allowed, else the 1-based number of the first limit that refused.
_SCRIPT = """
local weight = tonumber(ARGV[1])
local costs, limits = {}, {}
for i = 1, 2 do
  local cost, limit = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  if limit > 0 then
    local cur = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0')
    local prev = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
    if cur + prev * weight + cost > limit then
      return i
    end
  end
  costs[i], limits[i] = cost, limit
end
for i = 1, 2 do
  if limits[i] > 0 then
    redis.call('INCRBY', KEYS[2 * i - 1], costs[i])
    redis.call('EXPIRE', KEYS[2 * i - 1], tonumber(ARGV[2]))
  end
end
return 0
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
    def __init__(self, redis: Redis, pipe: ValkeyPipe | None = None) -> None:
        """With `pipe`, the check goes on the request's Valkey connection first; a failure
        there tries redis-py once more before failing open."""
        self._redis = redis
        self._pipe = pipe
        self._script = redis.register_script(_SCRIPT)

    async def _refused_by(self, key_id: str, limits: Limits, tokens: int) -> int:
        """0 when both limits allow the request (and it is counted against both), else which
        limit refused it: 1 requests, 2 tokens."""
        now = time.time()
        req_cur, req_prev, weight = window_keys("req", key_id, now)
        tok_cur, tok_prev, _ = window_keys("tok", key_id, now)
        args: list[str | int] = [f"{weight:.6f}", WINDOW_S * 2, 1, limits.requests_per_minute]
        args += [max(tokens, 1), limits.tokens_per_minute]
        keys = [req_cur, req_prev, tok_cur, tok_prev]
        if self._pipe is not None:
            with contextlib.suppress(ConnectionError, TimeoutError, RedisError):
                return int(await self._pipe.run_script(self._script, keys, args))
        try:
            refused = await self._script(keys=keys, args=args)
        except (RedisError, OSError) as exc:
            log.warning("rate limiter unavailable; allowing", extra={"error": repr(exc)})
            return 0
        return int(refused)

    async def check(self, key_id: str, limits: Limits, tokens: int) -> None:
        if not (limits.requests_per_minute or limits.tokens_per_minute):
            return
        refused = await self._refused_by(key_id, limits, tokens)
        if refused == 1:
            raise RateLimited(
                f"Rate limit reached: {limits.requests_per_minute} requests per "
                "minute for this API key.",
                retry_after=_retry_after(),
            )
        if refused == 2:
            raise RateLimited(
                f"Rate limit reached: {limits.tokens_per_minute} tokens per "
                "minute for this API key.",
                retry_after=_retry_after(),
            )


def _retry_after() -> float:
    """Seconds until the current window closes (when the previous one stops counting fully)."""
    return float(max(1, math.ceil(WINDOW_S - time.time() % WINDOW_S)))
