"""Failed-authentication throttling per client address: after `limit` failed attempts in a
minute, further attempts from that address get 429 without reaching the ledger.

`AuthFailureGuard` is each replica's own memory (bounded; pure logic over an injected clock):
it answers every request's check without I/O. `SharedFailureCount` adds the count across all
edge replicas, in Valkey, touched only when an attempt fails (never on the success path):
once the shared count reaches the limit, the replica that saw the failure blocks the address
locally for the rest of the window. So spreading attempts over N replicas buys an attacker at
most N - 1 extra tries, not N times the limit. If Valkey is unreachable, each replica's own
count still applies."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from redis.asyncio import Redis
from redis.exceptions import RedisError
from tokaroo_common.errors import RateLimited

MAX_TRACKED = 50_000


@dataclass
class AuthFailureGuard:
    limit: int = 30
    window_s: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _blocked: dict[str, float] = field(default_factory=dict)  # address -> blocked until

    def _recent(self, address: str) -> deque[float]:
        q = self._failures.get(address)
        if q is None:
            return deque()
        cutoff = self.clock() - self.window_s
        while q and q[0] < cutoff:
            q.popleft()
        if not q:
            del self._failures[address]
        return q

    def check(self, address: str) -> None:
        until = self._blocked.get(address)
        if until is not None:
            if until > self.clock():
                raise RateLimited(
                    "Too many failed authentication attempts. Try again later.",
                    retry_after=max(1.0, until - self.clock()),
                )
            del self._blocked[address]
        q = self._recent(address)
        if len(q) >= self.limit:
            retry = max(1.0, q[0] + self.window_s - self.clock())
            raise RateLimited(
                "Too many failed authentication attempts. Try again later.", retry_after=retry
            )

    def failed(self, address: str) -> None:
        if len(self._failures) >= MAX_TRACKED:
            self._failures.clear()
        self._failures.setdefault(address, deque()).append(self.clock())

    def block(self, address: str, seconds: float) -> None:
        """Refuse the address here for `seconds` (the shared count reached the limit)."""
        if len(self._blocked) >= MAX_TRACKED:
            self._blocked.clear()
        self._blocked[address] = self.clock() + seconds


# KEYS[1] the address's counter; ARGV[1] the window in seconds. The window starts at the
# first failure; returns the count and the seconds left in the window.
_COUNT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return {n, redis.call('TTL', KEYS[1])}
"""


class SharedFailureCount:
    """Failed attempts per address across every edge replica (Valkey, one script call)."""

    def __init__(self, redis: Redis, window_s: int = 60) -> None:
        self._count = redis.register_script(_COUNT)
        self._window = window_s

    async def add(self, address: str) -> tuple[int, float] | None:
        """Count one failure; the shared count and the seconds left in its window, or None
        when Valkey cannot be reached (the replica's own count still applies)."""
        try:
            n, ttl = await self._count(
                keys=[f"tokaroo:authfail:{{{address}}}"], args=[self._window]
            )
        except (RedisError, OSError):
            return None
        return int(n), float(max(int(ttl), 1))
