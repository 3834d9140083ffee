"""Choose candidates for a request from the pool. Pure.

Hard constraints first (kind, context window, output room, tools, vision, JSON schema), then:
- auto: the cheapest model whose quality for the tier clears the bar (local first when capable);
- fast: the lowest expected latency among models good enough for the tier;
- max: frontier models only, best quality first; no cache;
- a model id: that model on every provider serving it; unknown -> ModelNotFound.
Each model contributes one candidate per deployment, so fallbacks cross providers.

With a `Health` (circuit breakers and latency EWMAs fed by completion events), deployments whose
circuit is open are skipped (unless nothing else is left: then they are tried as a last resort)
and `fast` ranks by the pool's latency figures scaled by each deployment's observed slowness
(fed by every request, streamed or not, and decaying when not refreshed: see `health`).

For an agent session (`warm`: the prompt tokens each model's provider holds cached for it,
see `sessions`), `auto` ranks the models that clear the bar by `session_cost`: warm tokens at
the cached-read price, the rest at the input price plus the cache-write premium the provider
charges for a cold prompt. Staying on the warm model is then the cheap choice unless the turn
needs a better model or the warm one is failing (its circuit is open: dropped as above); the
expected cost of losing the cache is exactly the difference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tokaroo_common.errors import InvalidRequest, ModelNotFound
from tokaroo_common.policy import cache_policy
from tokaroo_common.pricing import cache_prices

from tokaroo_router.pool import Deployment, ModelEntry, Pool
from tokaroo_router.provider_health import Health

DEFAULT_OUTPUT_ESTIMATE = 256
MAX_CANDIDATES = 4


@dataclass(frozen=True)
class Need:
    mode: str
    kind: str  # chat | embedding
    input_tokens: int
    max_output_tokens: int
    tools: bool
    vision: bool
    json_schema: bool
    tier: str


@dataclass(frozen=True)
class Choice:
    model: ModelEntry
    provider: str
    upstream_model: str


@dataclass(frozen=True)
class Decision:
    tier: str
    choices: tuple[Choice, ...]
    baseline: ModelEntry
    cache_policy: str


def fits(m: ModelEntry, need: Need) -> bool:
    if m.kind != need.kind:
        return False
    if need.kind == "embedding":
        return need.input_tokens <= m.context_window
    out = need.max_output_tokens or 1
    if need.max_output_tokens and m.max_output and need.max_output_tokens > m.max_output:
        return False
    if need.input_tokens + out > m.context_window:
        return False
    if need.tools and not m.tools:
        return False
    if need.vision and not m.vision:
        return False
    return not (need.json_schema and not m.json_schema)


def expected_cost(m: ModelEntry, need: Need) -> int:
    out = need.max_output_tokens or DEFAULT_OUTPUT_ESTIMATE
    out = min(out, DEFAULT_OUTPUT_ESTIMATE * 4)
    return need.input_tokens * m.input_nano + out * m.output_nano


def session_cost(m: ModelEntry, need: Need, warm_tokens: int) -> int:
    """Expected cost of this turn on `m` in a session: `warm_tokens` of the prompt read from
    the provider's cache, the rest written to it (at the write price, where one is charged)."""
    out = min(need.max_output_tokens or DEFAULT_OUTPUT_ESTIMATE, DEFAULT_OUTPUT_ESTIMATE * 4)
    provider = m.providers[0].provider if m.providers else ""
    prices = cache_prices(provider, m.input_nano, m.cached_input_nano, m.cache_write_nano)
    cached = min(max(warm_tokens, 0), need.input_tokens)
    cold = need.input_tokens - cached
    return (
        cached * prices.read_nano_per_token
        + cold * (prices.write_nano_per_token or m.input_nano)
        + out * m.output_nano
    )


def expected_latency_ms(
    m: ModelEntry,
    need: Need,
    health: Health | None = None,
    d: Deployment | None = None,
    now: float = 0.0,
) -> float:
    """The pool's figure (TTFT + output at tokens/s) times the deployment's observed
    slowness (1.0 until observed; see `health`)."""
    out = min(need.max_output_tokens or DEFAULT_OUTPUT_ESTIMATE, DEFAULT_OUTPUT_ESTIMATE)
    base = m.ttft_ms + 1000.0 * out / max(m.tokens_per_s, 1.0)
    if health is not None and d is not None:
        return base * health.slowness(d.provider, d.upstream_model, now)
    return base


@dataclass(frozen=True)
class _Ctx:
    """One selection's view of health: each deployment's state and latency are looked up
    once per selection (sorting asks for them many times), at the same `now`."""

    need: Need
    health: Health | None
    now: float
    _up: dict[tuple[str, str], bool] = field(default_factory=dict, compare=False)
    _latency: dict[tuple[str, str, str], float] = field(default_factory=dict, compare=False)

    def up(self, d: Deployment) -> bool:
        key = (d.provider, d.upstream_model)
        known = self._up.get(key)
        if known is None:
            known = self.health is None or self.health.available(*key, self.now)
            self._up[key] = known
        return known

    def deployments(self, m: ModelEntry) -> list[Deployment]:
        """Healthy deployments first; for `fast`, fastest first."""
        ds = sorted(m.providers, key=lambda d: not self.up(d))
        if self.need.mode == "fast":
            ds.sort(key=lambda d: (not self.up(d), self.latency(m, d)))
        return ds

    def latency(self, m: ModelEntry, d: Deployment) -> float:
        key = (m.id, d.provider, d.upstream_model)
        known = self._latency.get(key)
        if known is None:
            known = expected_latency_ms(m, self.need, self.health, d, self.now)
            self._latency[key] = known
        return known

    def best_latency(self, m: ModelEntry) -> float:
        live = [d for d in m.providers if self.up(d)] or list(m.providers)
        return min((self.latency(m, d) for d in live), default=float("inf"))


def _expand(models: list[ModelEntry], ctx: _Ctx) -> list[Choice]:
    """Every deployment of every model, in order, re-ordered so that the fallbacks right
    after the first choice are on other providers (a provider outage is the common failure).
    Deployments with an open circuit are dropped unless nothing else is left."""
    every = [Choice(m, d.provider, d.upstream_model) for m in models for d in ctx.deployments(m)]
    live = [c for c in every if ctx.up(Deployment(c.provider, c.upstream_model))]
    every = live or every
    if not every:
        return []
    out, seen = [every[0]], {every[0].provider}
    for c in every[1:]:
        if c.provider not in seen:
            out.append(c)
            seen.add(c.provider)
    placed = {_key(c) for c in out}  # (a model's id names it in the pool)
    out += [c for c in every[1:] if _key(c) not in placed]
    return out[:MAX_CANDIDATES]


def _key(c: Choice) -> tuple[str, str, str]:
    return (c.model.id, c.provider, c.upstream_model)


def select(
    pool: Pool,
    need: Need,
    health: Health | None = None,
    now: float = 0.0,
    warm: Mapping[str, int] | None = None,
) -> Decision:
    """`now` is the clock the health observations use (e.g. time.monotonic()); `warm`, for a
    session, the prompt tokens cached per model id (None: not a session)."""
    ctx = _Ctx(need, health, now)
    baseline = pool.by_id.get(
        pool.reference.get("embedding" if need.kind == "embedding" else need.tier, "")
    )
    policy = cache_policy(need.mode, embedding=need.kind == "embedding")
    if need.mode not in ("auto", "fast", "max"):
        chosen = pool.by_id.get(need.mode)
        if chosen is None or chosen.kind != need.kind or not chosen.providers:
            raise ModelNotFound(
                f"The model '{need.mode}' does not exist or is not available.", param="model"
            )
        if not fits(chosen, need):
            raise InvalidRequest(
                f"The request does not fit model '{need.mode}' (context "
                "window, output size or capabilities).",
                param="messages",
            )
        return Decision(need.tier, tuple(_expand([chosen], ctx)), baseline or chosen, policy)
    capable = [m for m in pool.models if fits(m, need) and m.providers]
    if not capable:
        raise InvalidRequest(
            "No available model can serve this request (it may exceed every "
            "model's context window or output limit).",
            param="messages",
        )
    if warm is not None and need.mode == "auto":
        costs = {m.id: session_cost(m, need, warm.get(m.id, 0)) for m in capable}
    else:  # prices are Decimal: once each
        costs = {m.id: expected_cost(m, need) for m in capable}

    def cost(m: ModelEntry) -> int:
        return costs[m.id]

    if need.kind == "embedding":
        ordered = sorted(capable, key=cost)
    elif need.mode == "max":
        frontier = [m for m in capable if m.frontier]
        if not frontier:
            raise InvalidRequest(
                "No frontier model can serve this request (context window, "
                "output size or capabilities).",
                param="messages",
            )
        ordered = sorted(frontier, key=lambda m: (-m.quality.get(need.tier, 0.0), cost(m)))
    else:
        bar = pool.quality_bar.get(need.tier, 0.0)
        good: list[ModelEntry] = []
        rest: list[ModelEntry] = []
        for m in capable:  # (a membership test compared whole entries field by field)
            (good if m.quality.get(need.tier, 0.0) >= bar else rest).append(m)
        rest.sort(key=lambda m: -m.quality.get(need.tier, 0.0))
        if need.mode == "fast":
            good.sort(key=lambda m: (ctx.best_latency(m), cost(m)))
        else:
            good.sort(key=lambda m: (not m.local, cost(m)))
        ordered = good + rest
    return Decision(need.tier, tuple(_expand(ordered, ctx)), baseline or ordered[0], policy)
