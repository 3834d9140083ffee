import random

import pytest
from tokaroo_common.errors import ModelNotFound
from tokaroo_router.difficulty import Features, score, tier_of
from tokaroo_router.pool import default_pool_path, load_pool, with_local_model
from tokaroo_router.selection import Need, fits, select


def need(**kw: object) -> Need:
    base = dict(mode="auto", kind="chat", input_tokens=50, max_output_tokens=0, tools=False,
                vision=False, json_schema=False, tier="instant")
    base.update(kw)
    return Need(**base)  # type: ignore[arg-type]


def test_auto_picks_cheapest_capable_for_tier() -> None:
    pool = load_pool(default_pool_path())
    d = select(pool, need())
    first = d.choices[0].model
    bar = pool.quality_bar["instant"]
    assert first.quality["instant"] >= bar
    cheaper = [m for m in pool.models if m.kind == "chat" and m.input_nano + m.output_nano
               < first.input_nano + first.output_nano]
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


def test_constraints_never_violated_on_random_requests() -> None:
    pool = with_local_model(load_pool(default_pool_path()), "llama3.2")
    rng = random.Random(7)
    for _ in range(2000):
        n = need(mode=rng.choice(["auto", "fast", "max"]),
                 input_tokens=rng.choice([10, 1000, 30_000, 150_000, 900_000]),
                 max_output_tokens=rng.choice([0, 100, 20_000, 60_000]),
                 tools=rng.random() < 0.3, vision=rng.random() < 0.3,
                 json_schema=rng.random() < 0.3, tier=rng.choice(["instant", "standard",
                                                                  "complex"]))
        try:
            d = select(pool, n)
        except Exception:
            assert not any(fits(m, n) for m in pool.models)
            continue
        for c in d.choices:
            assert fits(c.model, n)


def test_difficulty_tiers() -> None:
    easy = score(Features("hi there", 5, 1, False, False))
    hard = score(Features("Prove step by step: ```def f(x): return x**2``` derivative of 3*x",
                          3000, 4, True, False))
    assert tier_of(easy) == "instant"
    assert tier_of(hard) == "complex"


def test_fallbacks_cross_providers() -> None:
    pool = load_pool(default_pool_path())
    d = select(pool, need())
    providers = [c.provider for c in d.choices]
    assert len(set(providers[:3])) >= 2
