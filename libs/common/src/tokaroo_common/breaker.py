"""Circuit breakers, one per key (a deployment: provider and upstream model). Pure: every call
takes the time, so tests and replays need no sleeping. The edge keeps one set from the
attempts it makes itself (tokaroo_edge.breaker); the router one from completion events
(tokaroo_router.provider_health).

- closed: traffic flows. `failure_threshold` consecutive failures, or (when `failure_rate` is
  set) a failure rate above it over the recent window (an EWMA, after `min_observations`),
  open the circuit.
- open: not available until `cooldown_s` has passed, then half-open. A failure reported while
  open (a request that was still in flight, or tried as a last resort) restarts the cool-down.
- half-open: trial traffic is let through: every request, or with `one_trial` one request per
  cool-down (for callers that ask before each request). A failure re-opens the circuit with
  the cool-down doubled, up to `max_cooldown_s`.
- any success closes the circuit.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class State(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class BreakerPolicy:
    failure_threshold: int = 5
    failure_rate: float | None = None  # None: only a streak of failures opens
    min_observations: int = 10
    alpha: float = 0.2  # EWMA weight of the newest outcome
    cooldown_s: float = 10.0
    max_cooldown_s: float = 300.0
    one_trial: bool = False


@dataclass
class Circuit:
    state: State = State.CLOSED
    consecutive_failures: int = 0
    observations: int = 0
    failure_ewma: float = 0.0
    opened_at: float = 0.0
    cooldown_s: float = 0.0
    trial_at: float | None = None

    def tick(self, now: float) -> None:
        if self.state is State.OPEN and now - self.opened_at >= self.cooldown_s:
            self.state, self.trial_at = State.HALF_OPEN, None
            self.consecutive_failures, self.observations, self.failure_ewma = 0, 0, 0.0

    def open(self, now: float, cooldown_s: float) -> None:
        self.state, self.opened_at, self.cooldown_s = State.OPEN, now, cooldown_s


@dataclass
class Breakers(Generic[K]):
    """Not thread-safe by design: one asyncio loop is its only user."""

    policy: BreakerPolicy = field(default_factory=BreakerPolicy)
    _circuits: dict[K, Circuit] = field(default_factory=dict)

    def state(self, key: K, now: float) -> State:
        c = self._circuits.get(key)
        if c is None:
            return State.CLOSED
        c.tick(now)
        return c.state

    def allows(self, key: K, now: float) -> bool:
        """May a request go to `key` now? With `one_trial`, a half-open circuit answers yes
        once per cool-down (that request is its trial)."""
        state = self.state(key, now)
        if state is State.CLOSED:
            return True
        if state is State.OPEN:
            return False
        c = self._circuits[key]
        if not self.policy.one_trial:
            return True
        if c.trial_at is None or now - c.trial_at >= c.cooldown_s:
            c.trial_at = now
            return True
        return False

    def record(self, key: K, *, ok: bool, now: float) -> None:
        p = self.policy
        c = self._circuits.setdefault(key, Circuit())
        c.tick(now)
        c.observations += 1
        c.failure_ewma = (1 - p.alpha) * c.failure_ewma + p.alpha * (0.0 if ok else 1.0)
        if ok:
            c.consecutive_failures = 0
            c.state, c.cooldown_s, c.trial_at = State.CLOSED, 0.0, None
            return
        c.consecutive_failures += 1
        if c.state is State.HALF_OPEN:
            c.open(now, min(max(c.cooldown_s, p.cooldown_s) * 2, p.max_cooldown_s))
        elif c.state is State.OPEN:
            c.opened_at = now
        elif c.consecutive_failures >= p.failure_threshold or (
            p.failure_rate is not None
            and c.observations >= p.min_observations
            and c.failure_ewma > p.failure_rate
        ):
            c.open(now, p.cooldown_s)

    def circuit(self, key: K) -> Circuit | None:
        return self._circuits.get(key)

    def items(self) -> Iterator[tuple[K, Circuit]]:
        return iter(self._circuits.items())

    def not_closed(self) -> list[K]:
        """The keys whose circuit is open or half-open (as last updated)."""
        return [k for k, c in self._circuits.items() if c.state is not State.CLOSED]
