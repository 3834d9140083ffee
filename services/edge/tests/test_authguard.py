import pytest
from tokaroo_common.errors import RateLimited
from tokaroo_edge.authguard import AuthFailureGuard


def test_blocks_after_limit_and_recovers() -> None:
    now = [0.0]
    guard = AuthFailureGuard(limit=3, window_s=60, clock=lambda: now[0])
    for _ in range(3):
        guard.check("1.2.3.4")
        guard.failed("1.2.3.4")
    with pytest.raises(RateLimited) as exc:
        guard.check("1.2.3.4")
    assert exc.value.retry_after is not None and exc.value.retry_after >= 1
    guard.check("5.6.7.8")  # other addresses are unaffected
    now[0] = 61
    guard.check("1.2.3.4")
