from tokaroo_router.provider_health import Health, HealthConfig, State


def test_consecutive_failures_open_then_half_open_then_close() -> None:
    h = Health(HealthConfig(failure_threshold=3, cooldown_s=10))
    for t in range(2):
        h.observe("p", "m", ok=False, now=t)
    assert h.available("p", "m", now=2)
    h.observe("p", "m", ok=False, now=2)
    assert h.state("p", "m", now=3) is State.OPEN
    assert not h.available("p", "m", now=11.9)
    assert h.state("p", "m", now=12) is State.HALF_OPEN
    h.observe("p", "m", ok=True, now=12.5)
    assert h.state("p", "m", now=13) is State.CLOSED


def test_half_open_failure_doubles_cooldown() -> None:
    h = Health(HealthConfig(failure_threshold=1, cooldown_s=10, max_cooldown_s=25))
    h.observe("p", "m", ok=False, now=0)
    assert h.state("p", "m", now=10) is State.HALF_OPEN
    h.observe("p", "m", ok=False, now=10)
    assert h.state("p", "m", now=29) is State.OPEN
    assert h.state("p", "m", now=30) is State.HALF_OPEN
    h.observe("p", "m", ok=False, now=30)
    assert h.state("p", "m", now=54) is State.OPEN  # capped at 25 s
    assert h.state("p", "m", now=55) is State.HALF_OPEN


def test_high_failure_rate_opens_without_a_streak() -> None:
    h = Health(HealthConfig(failure_threshold=100, failure_rate=0.5, min_observations=10))
    for t in range(40):
        h.observe("p", "m", ok=t % 4 != 0, now=t)
    assert h.available("p", "m", now=40)
    for t in range(40, 80):
        h.observe("p", "m", ok=t % 4 == 0, now=t)
        if not h.available("p", "m", now=t):
            break
    assert not h.available("p", "m", now=t)


def test_slowness_peak_ewma_and_defaults() -> None:
    h = Health(HealthConfig(alpha=0.5, half_life_s=0))  # no decay
    assert h.slowness("p", "m", now=0) == 1.0
    h.observe("p", "m", ok=True, now=0, slowness=1.0)
    h.observe("p", "m", ok=True, now=1, slowness=3.0)
    assert h.slowness("p", "m", now=1) == 3.0  # worse: taken at once
    h.observe("p", "m", ok=True, now=2, slowness=1.0)
    assert h.slowness("p", "m", now=2) == 2.0  # better: pulled down by alpha
    h.observe("p", "m", ok=False, now=3, slowness=50.0)  # failures carry no latency
    assert h.slowness("p", "m", now=3) == 2.0
    assert h.snapshot(now=3)["p/m"]["state"] == "closed"
    assert h.available("other", "x", now=0)


def test_provider_slowdown_shows_on_its_other_models() -> None:
    h = Health(HealthConfig(half_life_s=0))
    h.observe("p", "a", ok=True, now=0, slowness=0.5)
    h.observe("p", "b", ok=True, now=1, slowness=0.5)
    h.observe("p", "a", ok=True, now=2, slowness=20.0)  # the provider turns slow
    assert h.slowness("p", "b", now=2) == 20.0  # b's own figure is older
    assert h.slowness("p", "never-seen", now=2) == 20.0
    assert h.slowness("q", "m", now=2) == 1.0


def test_unrefreshed_estimate_decays_so_a_recovered_provider_is_retried() -> None:
    h = Health(HealthConfig(half_life_s=10, alpha=0.2))
    h.observe("slow", "m", ok=True, now=0, slowness=8.0)
    assert h.slowness("slow", "m", now=10) == 4.0
    assert h.slowness("slow", "m", now=30) == 1.0
    h.observe("slow", "m", ok=True, now=30, slowness=0.5)  # recovered: the probe is quick
    assert h.slowness("slow", "m", now=30) < 1.0
    h.observe("slow", "m", ok=True, now=31, slowness=8.0)  # or not: back up at once
    assert h.slowness("slow", "m", now=31) == 8.0
