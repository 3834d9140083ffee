"""Provider health: a circuit breaker and latency estimates per (provider, model). Pure.

Fed by observations (from completion events: success or failure, time to first token, output
tokens per second) with an explicit clock, so tests and replays need no sleeping:

- closed: traffic flows. `failure_threshold` consecutive failures, or a failure rate above
  `failure_rate` over the recent window (EWMA), open the circuit.
- open: selection skips the deployment until `cooldown_s` has passed, then it is half-open.
- half-open: one trial request is let through (the deployment is usable again); a success
  closes the circuit, a failure re-opens it with the cool-down doubled (up to `max_cooldown_s`).

Latency: EWMAs of TTFT and tokens/s replace the pool's static figures once observed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class State(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class HealthConfig:
    failure_threshold: int = 5
    failure_rate: float = 0.5
    min_observations: int = 10
    alpha: float = 0.2  # EWMA weight of the newest observation
    cooldown_s: float = 10.0
    max_cooldown_s: float = 300.0


@dataclass
class _Entry:
    state: State = State.CLOSED
    consecutive_failures: int = 0
    observations: int = 0
    failure_ewma: float = 0.0
    ttft_ms: float | None = None
    tokens_per_s: float | None = None
    opened_at: float = 0.0
    cooldown_s: float = 0.0


@dataclass
class Health:
    """Not thread-safe by design: the router's asyncio loop is its only user."""

    config: HealthConfig = field(default_factory=HealthConfig)
    _entries: dict[tuple[str, str], _Entry] = field(default_factory=dict)

    def _entry(self, provider: str, model: str) -> _Entry:
        return self._entries.setdefault((provider, model), _Entry())

    def observe(self, provider: str, model: str, *, ok: bool, now: float,
                ttft_ms: float | None = None, tokens_per_s: float | None = None) -> None:
        cfg, e = self.config, self._entry(provider, model)
        self._tick(e, now)
        e.observations += 1
        e.failure_ewma = (1 - cfg.alpha) * e.failure_ewma + cfg.alpha * (0.0 if ok else 1.0)
        if ok:
            e.consecutive_failures = 0
            if ttft_ms is not None and ttft_ms >= 0:
                e.ttft_ms = _ewma(e.ttft_ms, ttft_ms, cfg.alpha)
            if tokens_per_s is not None and tokens_per_s > 0:
                e.tokens_per_s = _ewma(e.tokens_per_s, tokens_per_s, cfg.alpha)
            if e.state is State.HALF_OPEN:
                e.state, e.cooldown_s = State.CLOSED, 0.0
            return
        e.consecutive_failures += 1
        if e.state is State.HALF_OPEN:
            self._open(e, now, min(max(e.cooldown_s, cfg.cooldown_s) * 2, cfg.max_cooldown_s))
        elif e.state is State.CLOSED and (
                e.consecutive_failures >= cfg.failure_threshold
                or (e.observations >= cfg.min_observations
                    and e.failure_ewma > cfg.failure_rate)):
            self._open(e, now, cfg.cooldown_s)

    def state(self, provider: str, model: str, now: float) -> State:
        e = self._entries.get((provider, model))
        if e is None:
            return State.CLOSED
        self._tick(e, now)
        return e.state

    def available(self, provider: str, model: str, now: float) -> bool:
        return self.state(provider, model, now) is not State.OPEN

    def ttft_ms(self, provider: str, model: str, default: float) -> float:
        e = self._entries.get((provider, model))
        return default if e is None or e.ttft_ms is None else e.ttft_ms

    def tokens_per_s(self, provider: str, model: str, default: float) -> float:
        e = self._entries.get((provider, model))
        return default if e is None or e.tokens_per_s is None else e.tokens_per_s

    def snapshot(self, now: float) -> dict[str, dict[str, object]]:
        """For logs and debugging: state and estimates per provider/model."""
        return {f"{p}/{m}": {"state": self.state(p, m, now).value,
                             "failure_rate": round(e.failure_ewma, 3), "ttft_ms": e.ttft_ms,
                             "tokens_per_s": e.tokens_per_s}
                for (p, m), e in sorted(self._entries.items())}

    @staticmethod
    def _open(e: _Entry, now: float, cooldown: float) -> None:
        e.state, e.opened_at, e.cooldown_s = State.OPEN, now, cooldown

    @staticmethod
    def _tick(e: _Entry, now: float) -> None:
        if e.state is State.OPEN and now - e.opened_at >= e.cooldown_s:
            e.state = State.HALF_OPEN
            e.consecutive_failures = 0
            e.failure_ewma = 0.0
            e.observations = 0


def _ewma(old: float | None, new: float, alpha: float) -> float:
    return new if old is None else (1 - alpha) * old + alpha * new
