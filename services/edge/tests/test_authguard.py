"""The failed-authentication guard: each replica's own count, and the count shared in Valkey."""

from __future__ import annotations

import uuid

import pytest
from redis.asyncio import Redis
from tokaroo_common.errors import RateLimited
from tokaroo_edge.authguard import AuthFailureGuard, SharedFailureCount


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


def test_block_refuses_until_the_window_ends() -> None:
    now = [0.0]
    guard = AuthFailureGuard(limit=100, window_s=60, clock=lambda: now[0])
    guard.block("1.2.3.4", 30)
    with pytest.raises(RateLimited) as exc:
        guard.check("1.2.3.4")
    assert exc.value.retry_after == 30
    guard.check("5.6.7.8")
    now[0] = 30.5
    guard.check("1.2.3.4")


async def test_failures_spread_over_replicas_are_counted_together(valkey_url: str) -> None:
    redis = Redis.from_url(valkey_url)
    try:
        # Two replicas: each has its own guard, both share the count in Valkey.
        guards = [AuthFailureGuard(limit=4), AuthFailureGuard(limit=4)]
        shared = SharedFailureCount(redis, window_s=60)
        address = f"10.0.0.{uuid.uuid4().int % 250}"
        for i in range(4):  # alternating replicas: two failures each, four in all
            guard = guards[i % 2]
            guard.check(address)
            guard.failed(address)
            count = await shared.add(address)
            assert count is not None
            if count[0] >= guard.limit:
                guard.block(address, count[1])
        with pytest.raises(RateLimited):
            guards[1].check(address)  # the replica that saw the fourth failure blocks now
        guards[0].check(address)  # the other learns at its next failure:
        count = await shared.add(address)
        assert count is not None and count[0] == 5 and 1 <= count[1] <= 60
    finally:
        await redis.aclose()


async def test_valkey_down_leaves_the_replica_count() -> None:
    redis = Redis.from_url("redis://127.0.0.1:9", socket_connect_timeout=0.2)
    try:
        assert await SharedFailureCount(redis).add("1.2.3.4") is None
    finally:
        await redis.aclose()
