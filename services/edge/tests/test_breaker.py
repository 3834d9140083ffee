from tokaroo_edge.breaker import Breakers

from .conftest import Clock


def test_opens_after_threshold_and_half_opens_after_cooldown() -> None:
    clock = Clock()
    b = Breakers(threshold=3, cooldown_s=10, clock=clock)
    for _ in range(2):
        b.failure("p", "m")
    assert not b.is_open("p", "m")
    b.failure("p", "m")
    assert b.is_open("p", "m")
    clock.now = 10.5
    assert not b.is_open("p", "m")  # one trial request
    assert b.is_open("p", "m")  # the others wait for the trial
    b.success("p", "m")
    assert not b.is_open("p", "m")


def test_order_puts_open_circuits_last_but_keeps_them() -> None:
    b = Breakers(threshold=1)
    b.failure("a", "x")
    items = [("a", "x"), ("b", "y"), ("c", "z")]
    assert b.order(items, lambda c: c) == [("b", "y"), ("c", "z"), ("a", "x")]
    assert b.open_circuits() == [("a", "x")]
