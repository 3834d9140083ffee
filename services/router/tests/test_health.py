from tokaroo_router.health import Health, HealthConfig, State


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


def test_latency_ewma_and_defaults() -> None:
    h = Health(HealthConfig(alpha=0.5))
    assert h.ttft_ms("p", "m", default=300) == 300
    h.observe("p", "m", ok=True, now=0, ttft_ms=100, tokens_per_s=50)
    h.observe("p", "m", ok=True, now=1, ttft_ms=300, tokens_per_s=150)
    assert h.ttft_ms("p", "m", default=0) == 200
    assert h.tokens_per_s("p", "m", default=0) == 100
    assert h.snapshot(now=2)["p/m"]["state"] == "closed"
    assert h.available("other", "x", now=0)
