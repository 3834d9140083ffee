"""Holds: concurrent admission never reserves more than the balance; settlement removes them;
expired holds stop counting."""

from __future__ import annotations

import asyncio
import uuid

from tokaroo_ledger.holds import HoldRepository
from tokaroo_ledger.keys import generate_secret
from tokaroo_ledger.models import UsageEvent
from tokaroo_ledger.repository import LedgerRepository


async def _tenant(repo: LedgerRepository, credit: int) -> uuid.UUID:
    tenant, _key, _created = await repo.create_tenant(f"t-{uuid.uuid4()}", credit, "k",
                                                      generate_secret(), pinned=False)
    return tenant.id


async def test_200_concurrent_holds_never_exceed_balance(repo: LedgerRepository) -> None:
    holds = HoldRepository(repo.pool)
    tenant = await _tenant(repo, 1_000)
    results = await asyncio.gather(*(holds.hold(tenant, f"r{i}", 30, 60_000)
                                     for i in range(200)))
    granted = [r for r in results if r is not None and r.ok]
    assert len(granted) == 1_000 // 30
    total = await repo.pool.fetchval("SELECT sum(amount_nano) FROM holds WHERE tenant_id = $1",
                                     tenant)
    assert total <= 1_000


async def test_hold_is_idempotent_and_rejects_when_empty(repo: LedgerRepository) -> None:
    holds = HoldRepository(repo.pool)
    tenant = await _tenant(repo, 100)
    first = await holds.hold(tenant, "same", 60, 60_000)
    again = await holds.hold(tenant, "same", 60, 60_000)
    assert first is not None and first.ok and again is not None and again.ok
    other = await holds.hold(tenant, "other", 60, 60_000)
    assert other is not None and not other.ok and other.available_nano == 40
    assert await holds.hold(uuid.uuid4(), "x", 1, 1_000) is None


async def test_expired_holds_stop_counting(repo: LedgerRepository) -> None:
    holds = HoldRepository(repo.pool)
    tenant = await _tenant(repo, 100)
    assert (await holds.hold(tenant, "crashed-edge", 100, 1)).ok  # type: ignore[union-attr]
    await asyncio.sleep(0.05)
    result = await holds.hold(tenant, "next", 100, 60_000)
    assert result is not None and result.ok


async def test_settlement_releases_the_hold(repo: LedgerRepository) -> None:
    holds = HoldRepository(repo.pool)
    tenant = await _tenant(repo, 100)
    assert (await holds.hold(tenant, "req-1", 100, 60_000)).ok  # type: ignore[union-attr]
    blocked = await holds.hold(tenant, "req-2", 10, 60_000)
    assert blocked is not None and not blocked.ok
    from datetime import UTC, datetime
    event = UsageEvent(request_id="req-1", tenant_id=tenant, key_id=None,
                       endpoint="chat.completions", tier="instant", model_requested="auto",
                       resolved_model="m", provider="p", streamed=False, input_tokens=1,
                       output_tokens=1, cached_tokens=0, upstream_cost_nano=1,
                       baseline_cost_nano=2, charged_nano=20, cache_outcome="miss",
                       latency_ms=1, ttft_ms=0, status="ok", error_code="", attempts=1,
                       created_at=datetime.now(UTC))
    await repo.settle([event])
    after = await holds.hold(tenant, "req-2", 10, 60_000)
    assert after is not None and after.ok and after.available_nano == 80
