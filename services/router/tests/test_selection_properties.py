"""Property tests: whatever the pool, the request and the providers' health, `select` never
returns a candidate that cannot serve the request (context window, output room, tools, vision,
JSON schema, kind), and `max` never returns a non-frontier model."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from tokaroo_common.errors import InvalidRequest, ModelNotFound
from tokaroo_router.pool import Deployment, ModelEntry, Pool, default_pool_path, load_pool
from tokaroo_router.provider_health import Health
from tokaroo_router.selection import Need, fits, select

PROVIDERS = ("openai", "anthropic", "gemini", "local")
TIERS = ("instant", "standard", "complex")


@st.composite
def models(draw: st.DrawFn, i: int) -> ModelEntry:
    price = Decimal(draw(st.integers(1, 2000))) / 100
    return ModelEntry(
        id=f"m{i}",
        owned_by="t",
        kind=draw(st.sampled_from(["chat", "chat", "embedding"])),
        input_per_1m=price,
        output_per_1m=price * 4,
        cached_input_per_1m=price / 2,
        context_window=draw(st.sampled_from([2048, 8192, 128_000, 1_000_000])),
        max_output=draw(st.sampled_from([1024, 4096, 32_000])),
        tools=draw(st.booleans()),
        vision=draw(st.booleans()),
        json_schema=draw(st.booleans()),
        quality={t: draw(st.floats(0.3, 0.95)) for t in TIERS},
        ttft_ms=draw(st.floats(50, 2000)),
        tokens_per_s=draw(st.floats(10, 300)),
        frontier=draw(st.booleans()),
        local=draw(st.booleans()),
        providers=tuple(
            Deployment(p, f"m{i}-{p}")
            for p in draw(st.lists(st.sampled_from(PROVIDERS), min_size=1, max_size=3, unique=True))
        ),
    )


@st.composite
def pools(draw: st.DrawFn) -> Pool:
    n = draw(st.integers(1, 8))
    ms = [draw(models(i)) for i in range(n)]
    return Pool.build("p", ms, {"instant": "m0"}, {t: draw(st.floats(0.3, 0.9)) for t in TIERS})


needs = st.builds(
    Need,
    mode=st.sampled_from(["auto", "fast", "max", "m0", "m1", "nope"]),
    kind=st.sampled_from(["chat", "chat", "embedding"]),
    input_tokens=st.integers(0, 1_200_000),
    max_output_tokens=st.sampled_from([0, 100, 5000, 40_000]),
    tools=st.booleans(),
    vision=st.booleans(),
    json_schema=st.booleans(),
    tier=st.sampled_from(TIERS),
)

observations = st.lists(
    st.tuples(st.sampled_from(PROVIDERS), st.integers(0, 7), st.booleans(), st.floats(0.01, 50)),
    max_size=30,
)


def _health(obs: list[tuple[str, int, bool, float]]) -> Health:
    h = Health()
    for t, (p, i, ok, slow) in enumerate(obs):
        h.observe(p, f"m{i}-{p}", ok=ok, now=float(t), slowness=slow)
    return h


@settings(max_examples=150, deadline=None)
@given(pool=pools(), need=needs, obs=observations)
def test_no_capability_violation(
    pool: Pool, need: Need, obs: list[tuple[str, int, bool, float]]
) -> None:
    try:
        d = select(pool, need, _health(obs), now=float(len(obs)))
    except (InvalidRequest, ModelNotFound):
        return  # refusing is allowed; serving what cannot fit is not
    assert d.choices, "a decision always has a candidate"
    for c in d.choices:
        assert fits(c.model, need), (c.model, need)
        assert Deployment(c.provider, c.upstream_model) in c.model.providers
        if need.mode == "max" and need.kind == "chat":
            assert c.model.frontier
    if need.mode == "max":
        assert d.cache_policy in ("none", "exact")


@settings(max_examples=100, deadline=None)
@given(need=needs, obs=observations)
def test_no_capability_violation_on_the_shipped_pool(
    need: Need, obs: list[tuple[str, int, bool, float]]
) -> None:
    pool = load_pool(default_pool_path())
    try:
        d = select(pool, need, _health(obs), now=float(len(obs)))
    except (InvalidRequest, ModelNotFound):
        return
    assert all(fits(c.model, need) for c in d.choices)


def test_max_is_the_documented_frontier_set() -> None:
    """`max` = the pool's frontier models only (in the shipped pool: gpt-4.1,
    claude-sonnet-4-6, gemini-2.5-pro), best quality for the tier first, no cache; even when
    every frontier circuit is open it does not fall back to a cheaper model."""
    pool = load_pool(default_pool_path())
    frontier = {m.id for m in pool.models if m.frontier}
    assert frontier == {"gpt-4.1", "claude-sonnet-4-6", "gemini-2.5-pro"}
    need = Need("max", "chat", 100, 0, True, True, True, "instant")
    d = select(pool, need)
    assert {c.model.id for c in d.choices} == frontier and d.cache_policy == "none"
    h = Health()
    for m in pool.models:
        if m.frontier:
            for dep in m.providers:
                for t in range(5):
                    h.observe(dep.provider, dep.upstream_model, ok=False, now=float(t))
    assert all(c.model.frontier for c in select(pool, need, h, now=5.0).choices)
