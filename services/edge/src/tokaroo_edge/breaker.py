"""The edge's circuit breakers per (provider, upstream model), kept by each replica from the
attempts it makes itself, on the one breaker of tokaroo_common.breaker: `threshold`
consecutive retryable failures open a circuit; after `cooldown_s` one trial request is let
through (half-open) and a success closes it. An open candidate is tried last, not skipped:
when every route is open, one is still tried. Pure apart from the injected clock."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TypeVar

from tokaroo_common.breaker import BreakerPolicy
from tokaroo_common.breaker import Breakers as _Circuits

T = TypeVar("T")
Key = tuple[str, str]


class Breakers:
    def __init__(
        self,
        threshold: int = 5,
        cooldown_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # A failed trial re-opens for the same cool-down (the edge's own attempts are its
        # only signal: no back-off beyond it).
        self._circuits: _Circuits[Key] = _Circuits(
            BreakerPolicy(
                failure_threshold=threshold,
                cooldown_s=cooldown_s,
                max_cooldown_s=cooldown_s,
                one_trial=True,
            )
        )
        self._clock = clock

    @property
    def threshold(self) -> int:
        return self._circuits.policy.failure_threshold

    @threshold.setter
    def threshold(self, value: int) -> None:
        """Change how many consecutive failures open a circuit (for every key)."""
        self._circuits.policy = replace(self._circuits.policy, failure_threshold=value)

    def is_open(self, provider: str, model: str) -> bool:
        """False when a request may go (closed, or this is the half-open trial)."""
        return not self._circuits.allows((provider, model), self._clock())

    def success(self, provider: str, model: str) -> None:
        self._circuits.record((provider, model), ok=True, now=self._clock())

    def failure(self, provider: str, model: str) -> None:
        self._circuits.record((provider, model), ok=False, now=self._clock())

    def order(self, items: Sequence[T], key: Callable[[T], Key]) -> list[T]:
        """Closed (or half-open) candidates first, in their order; open ones after."""
        closed = [c for c in items if not self.is_open(*key(c))]
        return closed + [c for c in items if c not in closed]

    def open_circuits(self) -> list[Key]:
        return self._circuits.not_closed()
