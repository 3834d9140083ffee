"""The one circuit breaker (used by the edge's attempts and the router's health)."""

from __future__ import annotations

from tokaroo_common.breaker import BreakerPolicy, Breakers, State

K = ("p", "m")


def test_streak_opens_cooldown_half_opens_success_closes() -> None:
    b: Breakers[tuple[str, str]] = Breakers(BreakerPolicy(failure_threshold=2, cooldown_s=10))
    b.record(K, ok=False, now=0)
    assert b.allows(K, 0)
    b.record(K, ok=False, now=1)
    assert b.state(K, 1) is State.OPEN and not b.allows(K, 10.9)
    assert b.state(K, 11) is State.HALF_OPEN
    assert b.allows(K, 11) and b.allows(K, 11)  # all trial traffic without one_trial
    b.record(K, ok=True, now=12)
    assert b.state(K, 12) is State.CLOSED and b.not_closed() == []


def test_one_trial_per_cooldown() -> None:
    b: Breakers[tuple[str, str]] = Breakers(
        BreakerPolicy(failure_threshold=1, cooldown_s=10, one_trial=True)
    )
    b.record(K, ok=False, now=0)
    assert not b.allows(K, 5)
    assert b.allows(K, 10)  # the trial
    assert not b.allows(K, 12)  # the others wait for it
    assert b.allows(K, 20)  # a trial that never reported: another one after a cool-down
    assert b.not_closed() == [K]


def test_half_open_failure_backs_off_and_open_failure_restarts_the_cooldown() -> None:
    b: Breakers[tuple[str, str]] = Breakers(
        BreakerPolicy(failure_threshold=1, cooldown_s=10, max_cooldown_s=25)
    )
    b.record(K, ok=False, now=0)
    b.record(K, ok=False, now=5)  # still failing while open: open until 15
    assert b.state(K, 14) is State.OPEN and b.state(K, 15) is State.HALF_OPEN
    b.record(K, ok=False, now=15)  # failed trial: 20 s
    assert b.state(K, 34) is State.OPEN and b.state(K, 35) is State.HALF_OPEN
    b.record(K, ok=False, now=35)  # capped at 25 s
    assert b.state(K, 59) is State.OPEN and b.state(K, 60) is State.HALF_OPEN


def test_failure_rate_opens_only_when_set() -> None:
    outcomes = [t % 3 != 0 for t in range(30)]  # two failures in three, never 3 in a row
    rate: Breakers[str] = Breakers(
        BreakerPolicy(failure_threshold=3, failure_rate=0.5, cooldown_s=100)
    )
    streak: Breakers[str] = Breakers(BreakerPolicy(failure_threshold=3, cooldown_s=100))
    for t, failed in enumerate(outcomes):
        rate.record("k", ok=not failed, now=t)
        streak.record("k", ok=not failed, now=t)
        if rate.state("k", t) is State.OPEN:
            break
    assert rate.state("k", t) is State.OPEN and t >= 10  # not before min_observations
    assert streak.not_closed() == []
