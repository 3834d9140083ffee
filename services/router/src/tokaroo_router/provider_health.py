"""Provider health: a circuit breaker and a latency estimate per (provider, model). Pure.

Fed by observations (from completion events) with an explicit clock, so tests and replays
need no sleeping.

Circuit breaker: the one of tokaroo_common.breaker (closed -> open on a streak of failures or
a failure rate above `failure_rate`; half-open after the cool-down, when the deployment is
usable again; a half-open failure re-opens it with the cool-down doubled up to
`max_cooldown_s`; a success closes it).

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

from tokaroo_common.breaker import BreakerPolicy, Breakers, State

__all__ = ["Health", "HealthConfig", "Slowness", "State"]


@dataclass(frozen=True)
class HealthConfig:
    failure_threshold: int = 5
    failure_rate: float = 0.5
    min_observations: int = 10
    alpha: float = 0.2  # EWMA weight of the newest observation
    cooldown_s: float = 10.0
    max_cooldown_s: float = 300.0
    half_life_s: float = 30.0  # how fast an unrefreshed latency estimate decays towards 0

    def breaker_policy(self) -> BreakerPolicy:
        return BreakerPolicy(
            failure_threshold=self.failure_threshold,
            failure_rate=self.failure_rate,
            min_observations=self.min_observations,
            alpha=self.alpha,
            cooldown_s=self.cooldown_s,
            max_cooldown_s=self.max_cooldown_s,
        )


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
class Health:
    """Not thread-safe by design: the router's asyncio loop is its only user."""

    config: HealthConfig = field(default_factory=HealthConfig)
    _breakers: Breakers[tuple[str, str]] = field(init=False)
    _slowness: dict[tuple[str, str], Slowness] = field(default_factory=dict)
    _providers: dict[str, Slowness] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._breakers = Breakers(self.config.breaker_policy())

    def observe(
        self, provider: str, model: str, *, ok: bool, now: float, slowness: float | None = None
    ) -> None:
        """One request's outcome; `slowness` = its latency / the pool's expected latency."""
        self._breakers.record((provider, model), ok=ok, now=now)
        if ok and slowness is not None and slowness >= 0:
            self._observe_latency(provider, model, slowness, now)

    def _observe_latency(self, provider: str, model: str, sample: float, now: float) -> None:
        own = self._slowness.get((provider, model))
        if own is None:
            self._slowness[(provider, model)] = Slowness(sample, now)
        else:
            own.update(sample, now, self.config)
        prov = self._providers.get(provider)
        if prov is None:
            self._providers[provider] = Slowness(sample, now)
        else:
            prov.update(sample, now, self.config)

    def state(self, provider: str, model: str, now: float) -> State:
        return self._breakers.state((provider, model), now)

    def available(self, provider: str, model: str, now: float) -> bool:
        return self._breakers.allows((provider, model), now)

    def slowness(self, provider: str, model: str, now: float) -> float:
        """Observed / expected latency for this deployment now (1.0 when nothing is known)."""
        hl = self.config.half_life_s
        own = self._slowness.get((provider, model))
        prov = self._providers.get(provider)
        if own is None:
            return prov.now(now, hl) if prov is not None else 1.0
        if prov is not None and prov.at > own.at:
            return max(own.now(now, hl), prov.now(now, hl))
        return own.now(now, hl)

    def snapshot(self, now: float) -> dict[str, dict[str, object]]:
        """For logs and debugging: state and estimates per provider/model."""
        return {
            f"{p}/{m}": {
                "state": self.state(p, m, now).value,
                "failure_rate": round(c.failure_ewma, 3),
                "slowness": round(self.slowness(p, m, now), 4),
            }
            for (p, m), c in sorted(self._breakers.items())
        }
