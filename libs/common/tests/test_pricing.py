import itertools

from tokaroo_common.pricing import DEFAULT_POLICY, cache_prices, cost, price


def test_auto_never_exceeds_baseline_and_never_undercuts_upstream() -> None:
    for upstream, baseline in itertools.product([0, 1, 7, 1000, 10**9], [0, 1, 5, 1000, 10**9]):
        charged = price(
            mode="auto", upstream_cost=upstream, baseline_cost=baseline, cache_outcome="miss"
        )
        if baseline > 0:
            assert charged <= baseline
        if baseline >= upstream:
            assert charged >= upstream


def test_auto_shares_savings() -> None:
    charged = price(mode="auto", upstream_cost=100, baseline_cost=1100, cache_outcome="miss")
    assert charged == 100 + 1000 * DEFAULT_POLICY.auto_savings_share_pct // 100


def test_cache_hit_is_a_small_fraction() -> None:
    miss = price(mode="auto", upstream_cost=900, baseline_cost=1000, cache_outcome="miss")
    hit = price(mode="auto", upstream_cost=0, baseline_cost=1000, cache_outcome="exact")
    assert 0 < hit <= miss // 10


def test_max_is_premium_and_direct_is_marked_up() -> None:
    assert price(mode="max", upstream_cost=1000, baseline_cost=10, cache_outcome="miss") == 1250
    assert price(mode="gpt-4.1", upstream_cost=1000, baseline_cost=0, cache_outcome="miss") == 1100


def test_results_are_integers() -> None:
    for mode in ("auto", "fast", "max", "gpt-4o"):
        assert isinstance(
            price(mode=mode, upstream_cost=333, baseline_cost=777, cache_outcome="miss"), int
        )


def test_cost_counts_cached_tokens_at_their_price() -> None:
    assert cost(100, 10, 3, 7) == 100 * 3 + 10 * 7
    assert (
        cost(100, 10, 3, 7, cached_tokens=40, cached_input_nano_per_token=1)
        == 60 * 3 + 40 * 1 + 10 * 7
    )


def test_cost_counts_cache_writes_at_their_price() -> None:
    # 1,000 prompt tokens: 600 read, 300 written, 100 fresh; 10 output.
    assert cost(1000, 10, 3000, 15000, 600, 300, 300, 3750) == (
        100 * 3000 + 600 * 300 + 300 * 3750 + 10 * 15000
    )
    assert cost(100, 0, 10, 0, 80, 1, 50, 20) == 80 * 1 + 20 * 20  # writes capped by the rest


def test_cache_prices_from_catalog_or_documented_defaults() -> None:
    assert cache_prices("anthropic", 3000, 300, 3750) == (p := cache_prices("anthropic", 3000))
    assert (p.read_nano_per_token, p.write_nano_per_token) == (300, 3750)
    assert cache_prices("openai", 2000, 500).read_nano_per_token == 500
    assert cache_prices("openai", 2000, 2000).read_nano_per_token == 1000  # not catalogued
    assert cache_prices("gemini", 300).read_nano_per_token == 75
    assert cache_prices("gemini", 300).write_nano_per_token == 0
    assert cache_prices("local", 7).read_nano_per_token == 7


def test_auto_with_cached_tokens_stays_under_the_baseline() -> None:
    baseline = cost(20_000, 100, 3000, 15000)
    upstream = cost(20_000, 100, 3000, 15000, 19_000, 300, 1000, 3750)
    charged = price(
        mode="auto", upstream_cost=upstream, baseline_cost=baseline, cache_outcome="miss"
    )
    assert upstream <= charged <= baseline and charged < baseline
