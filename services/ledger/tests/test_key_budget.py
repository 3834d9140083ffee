"""Key budgets against a real PostgreSQL: concurrent holds never pass a key's cap, the cap
counts settled spend per period exactly once, inactive keys hold nothing, and every key
query is tenant-scoped."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from tokaroo_ledger.holds import HoldService
from tokaroo_ledger.key_controls import KeyControls
from tokaroo_ledger.key_secrets import generate_secret
from tokaroo_ledger.key_store import KeyStore
from tokaroo_ledger.models import UsageEvent
from tokaroo_ledger.repository import LedgerRepository
from tokaroo_proto.ledger.v1 import ledger_pb2 as pb
from tokaroo_proto.ledger.v1.ledger_pb2_grpc import LedgerServiceStub

Settle = Callable[[Sequence[UsageEvent]], Awaitable[None]]  # the conftest fixtures
UsageEventFactory = Callable[..., UsageEvent]


async def _tenant(repo: LedgerRepository, credit: int = 10**12) -> uuid.UUID:
    tenant, _key, _created = await repo.create_tenant(
        f"t-{uuid.uuid4()}", credit, "k", generate_secret(), pinned=False
    )
    return tenant.id


async def test_200_concurrent_holds_never_pass_the_key_budget(
    repo: LedgerRepository, holds: HoldService
) -> None:
    store = KeyStore(repo.pool)
    tenant = await _tenant(repo)
    key, _ = await store.create_key(
        tenant, "capped", KeyControls(budget_nano=1_000, budget_period="day")
    )
    other, _ = await store.create_key(tenant, "free")
    results = await asyncio.gather(
        *(holds.hold(tenant, f"r{i}", 30, 60_000, key.id) for i in range(200))
    )
    granted = [r for r in results if r is not None and r.ok]
    assert len(granted) == 1_000 // 30
    refused = [r for r in results if r is not None and not r.ok]
    assert {r.reason for r in refused} == {"key_budget"}
    assert all(r.key_budget_nano == 1_000 and r.key_period == "day" for r in refused)
    # The cap is the key's: the tenant's other key is not held back by it.
    free = await holds.hold(tenant, "other-key", 10_000, 60_000, other.id)
    assert free is not None and free.ok


async def test_settled_spend_counts_once_per_request_and_period(
    repo: LedgerRepository, holds: HoldService, settle: Settle, usage_event: UsageEventFactory
) -> None:
    store = KeyStore(repo.pool)
    tenant = await _tenant(repo)
    key, _ = await store.create_key(
        tenant, "capped", KeyControls(budget_nano=100, budget_period="day")
    )
    assert (await holds.hold(tenant, "a", 60, 60_000, key.id)).ok  # type: ignore[union-attr]
    event = usage_event(tenant, "a", 60, key=key.id)
    await settle([event])
    await settle([event])  # a redelivery settles nothing
    listed = {k.id: k for k in await store.list_keys(tenant)}
    assert listed[key.id].period_spent_nano == 60
    refused = await holds.hold(tenant, "b", 50, 60_000, key.id)
    assert refused is not None and not refused.ok and refused.key_spent_nano == 60
    assert (await holds.hold(tenant, "c", 40, 60_000, key.id)).ok  # type: ignore[union-attr]
    # Yesterday's spend does not count against a daily budget, but does against a total one.
    await settle(
        [
            usage_event(
                tenant, "old", 1_000, key=key.id, created_at=datetime.now(UTC) - timedelta(days=2)
            )
        ]
    )
    assert (await holds.hold(tenant, "d", 0, 60_000, key.id)).ok  # type: ignore[union-attr]
    await store.update_key(tenant, key.id, None, replace(key.controls, budget_period="total"))
    total = await holds.hold(tenant, "e", 0, 60_000, key.id)
    assert total is not None and not total.ok and total.key_spent_nano == 1_060


async def test_revoked_and_expired_keys_hold_nothing(
    repo: LedgerRepository, holds: HoldService
) -> None:
    store = KeyStore(repo.pool)
    tenant = await _tenant(repo)
    expired, _ = await store.create_key(
        tenant, "old", KeyControls(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    revoked, _ = await store.create_key(tenant, "gone")
    await store.revoke_key(tenant, revoked.id)
    for key in (expired, revoked):
        result = await holds.hold(tenant, f"r-{key.id}", 1, 60_000, key.id)
        assert result is not None and not result.ok and result.reason == "key_inactive"
    stranger = await _tenant(repo)
    foreign = await holds.hold(stranger, "x", 1, 60_000, expired.id)  # not its key
    assert foreign is not None and foreign.reason == "key_inactive"


async def test_key_rpcs_are_tenant_scoped(stub: LedgerServiceStub) -> None:
    a = await stub.CreateTenant(pb.CreateTenantRequest(name="a", initial_credit_nano=10))
    b = await stub.CreateTenant(pb.CreateTenantRequest(name="b", initial_credit_nano=10))
    created = await stub.CreateKey(
        pb.CreateKeyRequest(
            tenant_id=a.tenant_id,
            name="x",
            budget_nano=5,
            budget_period="day",
            allowed_models=["auto", "fast"],
            requests_per_minute=3,
        )
    )
    assert created.key.budget_nano == 5 and list(created.key.allowed_models) == ["auto", "fast"]
    for call in (
        stub.UpdateKey(
            pb.UpdateKeyRequest(tenant_id=b.tenant_id, key_id=created.key.id, budget_nano=10**9)
        ),
        stub.RevokeKey(pb.RevokeKeyRequest(tenant_id=b.tenant_id, key_id=created.key.id)),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await call
        assert info.value.code() == grpc.StatusCode.NOT_FOUND
    listed_b = await stub.ListKeys(pb.ListKeysRequest(tenant_id=b.tenant_id))
    assert created.key.id not in {k.id for k in listed_b.keys}
    updated = await stub.UpdateKey(
        pb.UpdateKeyRequest(
            tenant_id=a.tenant_id, key_id=created.key.id, clear_budget=True, tokens_per_minute=9
        )
    )
    assert not updated.HasField("budget_nano") and updated.tokens_per_minute == 9
    assert updated.requests_per_minute == 3 and updated.budget_period == "day"
    usage_b = await stub.ListUsage(
        pb.ListUsageRequest(tenant_id=b.tenant_id, key_id=created.key.id)
    )
    assert list(usage_b.records) == []


async def test_usage_filters_and_summary(
    repo: LedgerRepository, stub: LedgerServiceStub, settle: Settle, usage_event: UsageEventFactory
) -> None:
    store = KeyStore(repo.pool)
    tenant = await _tenant(repo)
    k1, _ = await store.create_key(tenant, "one")
    k2, _ = await store.create_key(tenant, "two")
    await settle(
        [
            usage_event(tenant, "u1", 10, key=k1.id),
            usage_event(tenant, "u2", 20, key=k2.id),
            replace(
                usage_event(tenant, "u3", 0, key=k2.id), cache_outcome="exact", tier="standard"
            ),
        ]
    )
    by_key = await stub.ListUsage(pb.ListUsageRequest(tenant_id=str(tenant), key_id=str(k2.id)))
    assert sorted(r.id for r in by_key.records) == ["u2", "u3"]
    hits = await stub.ListUsage(pb.ListUsageRequest(tenant_id=str(tenant), cache_outcome="exact"))
    assert [r.id for r in hits.records] == ["u3"]
    tier = await stub.ListUsage(pb.ListUsageRequest(tenant_id=str(tenant), tier="instant"))
    assert sorted(r.id for r in tier.records) == ["u1", "u2"]
    summary = await stub.UsageSummary(pb.UsageSummaryRequest(tenant_id=str(tenant)))
    assert sum(b.requests for b in summary.buckets) == 3
    assert sum(b.charged_nano for b in summary.buckets) == 30
    assert sum(b.baseline_nano for b in summary.buckets) == 60
    stranger = await stub.UsageSummary(pb.UsageSummaryRequest(tenant_id=str(uuid.uuid4())))
    assert list(stranger.buckets) == []
