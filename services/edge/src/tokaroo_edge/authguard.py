"""Failed-authentication throttling per client address: after `limit` failed attempts in a
sliding minute, further attempts from that address get 429 without reaching the ledger.
Per edge replica (in memory, bounded); pure logic over an injected clock."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from tokaroo_common.errors import RateLimited

MAX_TRACKED = 50_000


@dataclass
class AuthFailureGuard:
    limit: int = 30
    window_s: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)

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
        q = self._recent(address)
        if len(q) >= self.limit:
            retry = max(1.0, q[0] + self.window_s - self.clock())
            raise RateLimited("Too many failed authentication attempts. Try again later.",
                              retry_after=retry)

    def failed(self, address: str) -> None:
        if len(self._failures) >= MAX_TRACKED:
            self._failures.clear()
        self._failures.setdefault(address, deque()).append(self.clock())
