"""Provider health: a circuit breaker and a latency estimate per (provider, model). Pure.

Fed by observations (from completion events) with an explicit clock, so tests and replays
need no sleeping.

Circuit breaker:
- closed: traffic flows. `failure_threshold` consecutive failures, or a failure rate above
  `failure_rate` over the recent window (EWMA), open the circuit.
- open: selection skips the deployment until `cooldown_s` has passed, then it is half-open.
- half-open: one trial request is let through (the deployment is usable again); a success
  closes the circuit, a failure re-opens it with the cool-down doubled (up to `max_cooldown_s`).

Latency, for `fast`: a *slowness* factor, observed latency / the latency the pool expects
(1.0 = as the pool says), fed by every successful request: streamed time to first token and
non-streamed whole latency (a non-streamed answer's first byte is its last) alike
(`event_feed.observation` computes the ratio). Tracked per deployment and per provider as a
peak EWMA (Finagle / Linkerd): a sample worse than the estimate replaces it at once, so a
provider that turns slow loses `fast` traffic on its next request, and better samples pull it
down by `alpha`. The provider's figure stands in for its models with no observation of their own
yet, or with one older than the provider's latest (a provider-wide slowdown shows on every model
of that provider before each has been tried).

An estimate nobody refreshes decays towards 0 with `half_life_s` (optimism under uncertainty):
a provider that was slow and stopped receiving traffic is tried again after a few half-lives,
and wins its traffic back when it has recovered (one slow request per probe when it has not).
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
    half_life_s: float = 30.0  # how fast an unrefreshed latency estimate decays towards 0


@dataclass
class Slowness:
    """A peak EWMA of observed / expected latency, with its time; decays when left alone."""

    value: float
    at: float

    def now(self, now: float, half_life_s: float) -> float:
        age = max(now - self.at, 0.0)
        return self.value * 0.5 ** (age / half_life_s) if half_life_s > 0 else self.value

    def update(self, sample: float, now: float, cfg: HealthConfig) -> None:
        current = self.now(now, cfg.half_life_s)
        self.value = sample if sample >= current else current + cfg.alpha * (sample - current)
        self.at = now


@dataclass
class _Entry:
    state: State = State.CLOSED
    consecutive_failures: int = 0
    observations: int = 0
    failure_ewma: float = 0.0
    slowness: Slowness | None = None
    opened_at: float = 0.0
    cooldown_s: float = 0.0


@dataclass
class Health:
    """Not thread-safe by design: the router's asyncio loop is its only user."""

    config: HealthConfig = field(default_factory=HealthConfig)
    _entries: dict[tuple[str, str], _Entry] = field(default_factory=dict)
    _providers: dict[str, Slowness] = field(default_factory=dict)

    def _entry(self, provider: str, model: str) -> _Entry:
        return self._entries.setdefault((provider, model), _Entry())

    def observe(self, provider: str, model: str, *, ok: bool, now: float,
                slowness: float | None = None) -> None:
        """One request's outcome; `slowness` = its latency / the pool's expected latency."""
        cfg, e = self.config, self._entry(provider, model)
        self._tick(e, now)
        e.observations += 1
        e.failure_ewma = (1 - cfg.alpha) * e.failure_ewma + cfg.alpha * (0.0 if ok else 1.0)
        if ok:
            e.consecutive_failures = 0
            if slowness is not None and slowness >= 0:
                self._observe_latency(e, provider, slowness, now)
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

    def _observe_latency(self, e: _Entry, provider: str, sample: float, now: float) -> None:
        if e.slowness is None:
            e.slowness = Slowness(sample, now)
        else:
            e.slowness.update(sample, now, self.config)
        prov = self._providers.get(provider)
        if prov is None:
            self._providers[provider] = Slowness(sample, now)
        else:
            prov.update(sample, now, self.config)

    def state(self, provider: str, model: str, now: float) -> State:
        e = self._entries.get((provider, model))
        if e is None:
            return State.CLOSED
        self._tick(e, now)
        return e.state

    def available(self, provider: str, model: str, now: float) -> bool:
        return self.state(provider, model, now) is not State.OPEN

    def slowness(self, provider: str, model: str, now: float) -> float:
        """Observed / expected latency for this deployment now (1.0 when nothing is known)."""
        hl = self.config.half_life_s
        e = self._entries.get((provider, model))
        own = e.slowness if e is not None else None
        prov = self._providers.get(provider)
        if own is None:
            return prov.now(now, hl) if prov is not None else 1.0
        if prov is not None and prov.at > own.at:
            return max(own.now(now, hl), prov.now(now, hl))
        return own.now(now, hl)

    def snapshot(self, now: float) -> dict[str, dict[str, object]]:
        """For logs and debugging: state and estimates per provider/model."""
        return {f"{p}/{m}": {"state": self.state(p, m, now).value,
                             "failure_rate": round(e.failure_ewma, 3),
                             "slowness": round(self.slowness(p, m, now), 4)}
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
