"""The ledger's side of holds, against real PostgreSQL and Valkey: a cold tenant is loaded
from the book of record and held in one call, concurrent holds never reserve more than the
balance, settlement mirrors the new balance and releases holds, expired holds stop
counting, credits reach the mirror, and after Valkey loses its data holds are refused (503)
until the fence, never overspent."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

import pytest
from tokaroo_common.errors import ServiceUnavailable
from tokaroo_common.reservations import ReservationBook
from tokaroo_ledger.holds import HoldService
from tokaroo_ledger.key_secrets import generate_secret
from tokaroo_ledger.models import UsageEvent
from tokaroo_ledger.repository import LedgerRepository

Settle = Callable[[Sequence[UsageEvent]], Awaitable[None]]  # the conftest fixtures
UsageEventFactory = Callable[..., UsageEvent]


async def _tenant(repo: LedgerRepository, credit: int) -> uuid.UUID:
    tenant, _key, _created = await repo.create_tenant(
        f"t-{uuid.uuid4()}", credit, "k", generate_secret(), pinned=False
    )
    return tenant.id


async def test_200_concurrent_holds_never_exceed_balance(
    repo: LedgerRepository, holds: HoldService
) -> None:
    tenant = await _tenant(repo, 1_000)
    results = await asyncio.gather(*(holds.hold(tenant, f"r{i}", 30, 60_000) for i in range(200)))
    granted = [r for r in results if r is not None and r.ok]
    assert len(granted) == 1_000 // 30
    assert {r.reason for r in results if r is not None and not r.ok} == {"balance"}


async def test_hold_is_idempotent_and_rejects_when_empty(
    repo: LedgerRepository, holds: HoldService
) -> None:
    tenant = await _tenant(repo, 100)
    first = await holds.hold(tenant, "same", 60, 60_000)
    again = await holds.hold(tenant, "same", 60, 60_000)
    assert first is not None and first.ok and again is not None and again.ok
    other = await holds.hold(tenant, "other", 60, 60_000)
    assert other is not None and not other.ok and other.available_nano == 40
    assert await holds.hold(uuid.uuid4(), "x", 1, 1_000) is None


async def test_expired_holds_stop_counting(repo: LedgerRepository, holds: HoldService) -> None:
    tenant = await _tenant(repo, 100)
    assert (await holds.hold(tenant, "crashed-edge", 100, 1)).ok  # type: ignore[union-attr]
    await asyncio.sleep(0.05)
    result = await holds.hold(tenant, "next", 100, 60_000)
    assert result is not None and result.ok


async def test_settlement_releases_the_hold_and_mirrors_the_charge(
    repo: LedgerRepository, holds: HoldService, settle: Settle, usage_event: UsageEventFactory
) -> None:
    tenant = await _tenant(repo, 100)
    assert (await holds.hold(tenant, "req-1", 100, 60_000)).ok  # type: ignore[union-attr]
    blocked = await holds.hold(tenant, "req-2", 10, 60_000)
    assert blocked is not None and not blocked.ok
    await settle([usage_event(tenant, "req-1", 20)])
    after = await holds.hold(tenant, "req-2", 10, 60_000)
    assert after is not None and after.ok and after.available_nano == 80
    await settle([usage_event(tenant, "req-1", 20)])  # a redelivery changes nothing
    again = await holds.hold(tenant, "req-3", 71, 60_000)
    assert again is not None and again.reason == "balance" and again.available_nano == 70


async def test_a_credit_reaches_the_mirror(repo: LedgerRepository, holds: HoldService) -> None:
    tenant = await _tenant(repo, 10)
    refused = await holds.hold(tenant, "big", 500, 60_000)
    assert refused is not None and refused.reason == "balance"
    await repo.adjust(tenant, 1_000, "top-up", f"test:{tenant}")
    await holds.refresh(tenant)
    granted = await holds.hold(tenant, "big", 500, 60_000)
    assert granted is not None and granted.ok and granted.available_nano == 1_010


async def test_valkey_losing_its_data_fences_holds(
    repo: LedgerRepository, book: ReservationBook, valkey_url: str
) -> None:
    fence = timedelta(seconds=1)
    holds = HoldService(repo.pool, book, fence)
    tenant = await _tenant(repo, 100)
    first = await holds.hold(tenant, "before", 60, 60_000)  # a first start: no fence
    assert first is not None and first.ok
    from tokaroo_common.valkey import valkey_client

    redis = valkey_client(valkey_url, timeout_s=5)
    try:
        await redis.flushdb()  # Valkey restarted empty: the live hold "before" is gone
    finally:
        await redis.aclose()
    with pytest.raises(ServiceUnavailable) as info:
        await holds.hold(tenant, "during", 60, 60_000)
    assert info.value.retry_after is not None and info.value.retry_after >= 1
    assert "rebuilt" in str(info.value)
    await asyncio.sleep(1.1)
    after = await holds.hold(tenant, "after", 60, 60_000)
    assert after is not None and after.ok
