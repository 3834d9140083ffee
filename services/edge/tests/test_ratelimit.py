import uuid
from collections.abc import AsyncIterator

import pytest
from tokaroo_common.errors import RateLimited
from tokaroo_common.valkey import valkey_client
from tokaroo_common.valkey_pipe import ValkeyPipe
from tokaroo_edge.ratelimit import WINDOW_S, Limits, RateLimiter, window_keys


def test_window_keys_slide() -> None:
    cur, prev, weight = window_keys("req", "key1", 10 * WINDOW_S + 15)
    assert cur.endswith(":10") and prev.endswith(":9")
    assert "{key1}" in cur
    assert abs(weight - 0.75) < 1e-9
    _, _, start = window_keys("req", "key1", 11 * WINDOW_S)
    assert start == 1.0


@pytest.fixture(params=["redis-py", "pipe"])
async def limiter(valkey_url: str, request: pytest.FixtureRequest) -> AsyncIterator[RateLimiter]:
    """Every test twice: the limits through redis-py alone, and through the edge's pipe."""
    redis = valkey_client(valkey_url, timeout_s=5)
    pipe = ValkeyPipe(valkey_url, timeout_s=5) if request.param == "pipe" else None
    if pipe is not None:
        await redis.script_flush()  # the pipe's first check finds no script: redis-py loads it
    try:
        yield RateLimiter(redis, pipe)
    finally:
        await redis.aclose()
        if pipe is not None:
            await pipe.aclose()


async def test_requests_per_minute_refuse_past_the_limit(limiter: RateLimiter) -> None:
    key = str(uuid.uuid4())
    for _ in range(3):
        await limiter.check(key, Limits(3, 0), 10)
    with pytest.raises(RateLimited, match="3 requests per minute"):
        await limiter.check(key, Limits(3, 0), 10)


async def test_a_request_refused_by_one_limit_counts_against_neither(
    limiter: RateLimiter,
) -> None:
    key = str(uuid.uuid4())
    await limiter.check(key, Limits(2, 100), 60)
    with pytest.raises(RateLimited, match="100 tokens per minute"):
        await limiter.check(key, Limits(2, 100), 60)  # the tokens refuse it
    await limiter.check(key, Limits(2, 100), 40)  # so the second request is still free
    with pytest.raises(RateLimited, match="2 requests per minute"):
        await limiter.check(key, Limits(2, 100), 0)


async def test_no_limits_ask_nothing_and_a_lost_valkey_allows(limiter: RateLimiter) -> None:
    lost = valkey_client("redis://127.0.0.1:1", timeout_s=0.2)
    lost_pipe = ValkeyPipe("redis://127.0.0.1:1", timeout_s=0.2)
    try:
        await RateLimiter(lost).check("k", Limits(1, 1), 5)  # unreachable: fails open
        await RateLimiter(lost, lost_pipe).check("k", Limits(1, 1), 5)
    finally:
        await lost.aclose()
        await lost_pipe.aclose()
    key = str(uuid.uuid4())
    for _ in range(5):
        await limiter.check(key, Limits(0, 0), 10**9)
