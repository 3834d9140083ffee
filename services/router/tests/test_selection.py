import dataclasses
import random

import pytest
from tokaroo_common.errors import InvalidRequest, ModelNotFound
from tokaroo_router.difficulty import Features, score, tier_of
from tokaroo_router.difficulty_model import load_model
from tokaroo_router.pool import default_pool_path, load_pool, with_local_model
from tokaroo_router.provider_health import Health, HealthConfig
from tokaroo_router.selection import Need, fits, select


def need(**kw: object) -> Need:
    base = dict(
        mode="auto",
        kind="chat",
        input_tokens=50,
        max_output_tokens=0,
        tools=False,
        vision=False,
        json_schema=False,
        tier="instant",
    )
    base.update(kw)
    return Need(**base)  # type: ignore[arg-type]


def test_auto_picks_cheapest_capable_for_tier() -> None:
    pool = load_pool(default_pool_path())
    d = select(pool, need())
    first = d.choices[0].model
    bar = pool.quality_bar["instant"]
    assert first.quality["instant"] >= bar
    cheaper = [
        m
        for m in pool.models
        if m.kind == "chat" and m.input_nano + m.output_nano < first.input_nano + first.output_nano
    ]
    assert all(m.quality["instant"] < bar for m in cheaper)
    assert d.cache_policy == "full"


def test_complex_tier_goes_up_market() -> None:
    pool = load_pool(default_pool_path())
    d = select(pool, need(tier="complex"))
    assert d.choices[0].model.quality["complex"] >= pool.quality_bar["complex"]


def test_max_is_frontier_only_and_uncached() -> None:
    pool = load_pool(default_pool_path())
    d = select(pool, need(mode="max"))
    assert d.choices[0].model.frontier
    assert d.cache_policy == "none"


def test_concrete_model_and_unknown() -> None:
    pool = load_pool(default_pool_path())
    assert select(pool, need(mode="gpt-4.1")).choices[0].model.id == "gpt-4.1"
    with pytest.raises(ModelNotFound):
        select(pool, need(mode="no-such-model"))


def test_local_model_first_when_capable() -> None:
    pool = with_local_model(load_pool(default_pool_path()), "llama3.2")
    assert select(pool, need()).choices[0].model.id == "llama3.2"
    assert select(pool, need(vision=True)).choices[0].model.id != "llama3.2"


def random_need(rng: random.Random, modes: list[str]) -> Need:
    return need(
        mode=rng.choice(modes),
        input_tokens=rng.choice(
            [
                10,
                1000,
                30_000,
                127_000,
                150_000,
                199_000,
                900_000,
                1_048_000,
                rng.randint(1, 1_100_000),
            ]
        ),
        max_output_tokens=rng.choice([0, 100, 16_384, 20_000, 60_000, 70_000]),
        tools=rng.random() < 0.3,
        vision=rng.random() < 0.3,
        json_schema=rng.random() < 0.3,
        tier=rng.choice(["instant", "standard", "complex"]),
    )


def test_constraints_never_violated_on_random_requests() -> None:
    """Property: whatever the request, every candidate can serve it (context window in
    tokens, output room, tools, vision, JSON schema); max is frontier-only; a failure means
    that no eligible model could have served it."""
    pool = with_local_model(load_pool(default_pool_path()), "llama3.2")
    pool = pool.build(
        pool.version,
        [
            *pool.models,
            dataclasses.replace(
                pool.by_id["gpt-4o-mini"],
                id="text-only",
                vision=False,
                tools=False,
                json_schema=False,
                context_window=16_000,
            ),
        ],
        pool.reference,
        pool.quality_bar,
    )
    ids = [m.id for m in pool.models if m.kind == "chat"]
    rng = random.Random(7)
    for _ in range(5000):
        n = random_need(rng, ["auto", "fast", "max", *ids])
        try:
            d = select(pool, n)
        except (InvalidRequest, ModelNotFound):
            if n.mode == "max":
                eligible = [m for m in pool.models if m.frontier]
            elif n.mode in ("auto", "fast"):
                eligible = list(pool.models)
            else:
                eligible = [pool.by_id[n.mode]]
            assert not any(fits(m, n) for m in eligible)
            continue
        assert d.choices
        for c in d.choices:
            m = c.model
            assert fits(m, n)
            assert not n.vision or m.vision
            assert not n.tools or m.tools
            assert not n.json_schema or m.json_schema
            assert n.input_tokens + max(n.max_output_tokens, 1) <= m.context_window
            assert any(dep.provider == c.provider for dep in m.providers)
            if n.mode == "max":
                assert m.frontier
            elif n.mode not in ("auto", "fast"):
                assert m.id == n.mode


def test_images_never_go_to_text_only_model() -> None:
    pool = with_local_model(load_pool(default_pool_path()), "llama3.2")
    for tier in ("instant", "standard", "complex"):
        for mode in ("auto", "fast"):
            d = select(pool, need(mode=mode, tier=tier, vision=True))
            assert all(c.model.vision for c in d.choices)
    with pytest.raises(InvalidRequest):
        select(pool, need(mode="llama3.2", vision=True))


def test_over_context_window_never_chosen() -> None:
    pool = load_pool(default_pool_path())
    d = select(pool, need(input_tokens=150_000))
    assert all(c.model.context_window >= 150_001 for c in d.choices)
    assert "gpt-4o-mini" not in {c.model.id for c in d.choices}
    with pytest.raises(InvalidRequest):
        select(pool, need(mode="gpt-4o", input_tokens=128_000))
    with pytest.raises(InvalidRequest):
        select(pool, need(input_tokens=2_000_000))


def test_max_never_downgrades() -> None:
    pool = load_pool(default_pool_path())
    d = select(pool, need(mode="max", tier="complex"))
    assert all(c.model.frontier for c in d.choices)
    assert d.choices[0].model.quality["complex"] == max(
        m.quality.get("complex", 0) for m in pool.models if m.frontier
    )


def test_fast_follows_observed_latency() -> None:
    pool = load_pool(default_pool_path())
    first = select(pool, need(mode="fast")).choices[0]
    health = Health()
    for _ in range(5):
        health.observe(first.provider, first.upstream_model, ok=True, now=1.0, slowness=10.0)
    again = select(pool, need(mode="fast"), health, now=1.0).choices[0]
    assert again.model.id != first.model.id


def test_open_circuit_is_skipped_then_retried() -> None:
    pool = load_pool(default_pool_path())
    first = select(pool, need()).choices[0]
    health = Health()
    for i in range(5):
        health.observe(first.provider, first.upstream_model, ok=False, now=float(i))
    during = select(pool, need(), health, now=5.0)
    assert all(
        (c.provider, c.upstream_model) != (first.provider, first.upstream_model)
        for c in during.choices
    )
    after = select(pool, need(), health, now=5.0 + health.config.cooldown_s)
    assert after.choices[0] == first


def test_concrete_model_with_open_circuit_is_still_tried() -> None:
    pool = load_pool(default_pool_path())
    health = Health()
    for i in range(5):
        health.observe("openai", "gpt-4.1", ok=False, now=float(i))
    assert select(pool, need(mode="gpt-4.1"), health, now=5.0).choices[0].model.id == "gpt-4.1"


def test_difficulty_score_tiers_and_priors() -> None:
    model = load_model()
    plain = Features("Summarise this paragraph in one line.", 12, 1, False, False)
    base = score(model, plain)
    assert 0.0 <= base <= 1.0
    loaded = Features(plain.text, 50_000, 6, True, True)
    assert score(model, loaded) > base  # tools, images, turns and length only push up
    assert tier_of(model.instant_below - 1e-9, model) == "instant"
    assert tier_of(model.instant_below, model) == "standard"
    assert tier_of(model.complex_from, model) == "complex"
    assert tier_of(0.0) == "instant" and tier_of(1.0) == "complex"


def test_fallbacks_cross_providers() -> None:
    pool = load_pool(default_pool_path())
    d = select(pool, need())
    providers = [c.provider for c in d.choices]
    assert len(set(providers[:3])) >= 2


def test_fast_leaves_a_provider_that_turns_slow_and_returns_when_it_recovers() -> None:
    """Replay of the e2e scenario on the pure logic: every deployment observed quick, the fast
    one's provider turns slow (non-streamed latency: slowness 1.0 against ~0.01 elsewhere)."""
    pool = load_pool(default_pool_path())
    health = Health(HealthConfig(half_life_s=1.0))
    for m in pool.models:
        for d in m.providers:
            health.observe(d.provider, d.upstream_model, ok=True, now=0.0, slowness=0.01)
    first = select(pool, need(mode="fast"), health, now=0.0).choices[0]
    health.observe(first.provider, first.upstream_model, ok=True, now=0.1, slowness=1.0)
    now, picks = 0.1, []
    for _ in range(200):  # the traffic that keeps the others' estimates fresh
        now += 0.1
        c = select(pool, need(mode="fast"), health, now=now).choices[0]
        picks.append(c.provider)
        health.observe(c.provider, c.upstream_model, ok=True, now=now, slowness=0.01)
    assert picks[0] != first.provider  # the very next request leaves the slow provider
    assert first.provider in picks  # and once its estimate decayed, it is tried again
