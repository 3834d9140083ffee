import itertools

from tokaroo_common.pricing import DEFAULT_POLICY, cost, price


def test_auto_never_exceeds_baseline_and_never_undercuts_upstream() -> None:
    for upstream, baseline in itertools.product([0, 1, 7, 1000, 10**9], [0, 1, 5, 1000, 10**9]):
        charged = price(mode="auto", upstream_cost=upstream, baseline_cost=baseline,
                        cache_outcome="miss")
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
    assert price(mode="max", upstream_cost=1000, baseline_cost=10,
                 cache_outcome="miss") == 1250
    assert price(mode="gpt-4.1", upstream_cost=1000, baseline_cost=0,
                 cache_outcome="miss") == 1100


def test_results_are_integers() -> None:
    for mode in ("auto", "fast", "max", "gpt-4o"):
        assert isinstance(price(mode=mode, upstream_cost=333, baseline_cost=777,
                                cache_outcome="miss"), int)


def test_cost_counts_cached_tokens_at_their_price() -> None:
    assert cost(100, 10, 3, 7) == 100 * 3 + 10 * 7
    assert cost(100, 10, 3, 7, cached_tokens=40, cached_input_nano_per_token=1) == \
        60 * 3 + 40 * 1 + 10 * 7
