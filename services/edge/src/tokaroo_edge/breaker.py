"""Circuit breakers per (provider, upstream model), kept by each edge replica from the
attempts it makes itself: after `threshold` consecutive retryable failures the circuit opens
and the candidate is tried last (not skipped: when every route is open, one is still tried);
after `cooldown_s` one trial request is let through (half-open) and a success closes it.
Pure logic over an injected clock."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


@dataclass
class _State:
    failures: int = 0
    opened_at: float | None = None
    trial_at: float | None = None


@dataclass
class Breakers:
    threshold: int = 5
    cooldown_s: float = 10.0
    clock: Callable[[], float] = time.monotonic
    _states: dict[tuple[str, str], _State] = field(default_factory=dict)

    def is_open(self, provider: str, model: str) -> bool:
        st = self._states.get((provider, model))
        if st is None or st.opened_at is None:
            return False
        now = self.clock()
        if now - st.opened_at >= self.cooldown_s and (
                st.trial_at is None or now - st.trial_at >= self.cooldown_s):
            st.trial_at = now  # half-open: let this one request through
            return False
        return True

    def success(self, provider: str, model: str) -> None:
        self._states.pop((provider, model), None)

    def failure(self, provider: str, model: str) -> None:
        st = self._states.setdefault((provider, model), _State())
        st.failures += 1
        if st.failures >= self.threshold:
            st.opened_at = self.clock()
            st.trial_at = None

    def order(self, items: Sequence[T], key: Callable[[T], tuple[str, str]]) -> list[T]:
        """Closed (or half-open) candidates first, in their order; open ones after."""
        closed = [c for c in items if not self.is_open(*key(c))]
        return closed + [c for c in items if c not in closed]

    def open_circuits(self) -> list[tuple[str, str]]:
        return [k for k, st in self._states.items() if st.opened_at is not None]
