"""The gRPC LedgerService against a real PostgreSQL: keys, balances, usage, tenancy."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from tokaroo_ledger.models import UsageEvent
from tokaroo_ledger.repository import LedgerRepository
from tokaroo_ledger.settlement import decode
from tokaroo_proto.ledger.v1 import ledger_pb2 as pb
from tokaroo_proto.ledger.v1.ledger_pb2_grpc import LedgerServiceStub

USD = 1_000_000_000


def sha(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def new_tenant(
    stub: LedgerServiceStub, credit: int = 5 * USD, name: str = "acme"
) -> pb.CreatedTenant:
    created: pb.CreatedTenant = await stub.CreateTenant(
        pb.CreateTenantRequest(name=name, initial_credit_nano=credit, key_name="first")
    )
    return created


async def expect_code(code: grpc.StatusCode, call: Any) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    assert info.value.code() == code, info.value.details()


async def test_create_tenant_and_authenticate(
    stub: LedgerServiceStub, repo: LedgerRepository
) -> None:
    created = await new_tenant(stub)
    secret = created.key.secret
    assert secret.startswith("tok_") and len(secret) >= 47
    assert created.key.key.prefix == secret[:12]
    assert created.key.key.name == "first" and not created.key.key.revoked
    balance = await stub.GetBalance(pb.GetBalanceRequest(tenant_id=created.tenant_id))
    assert balance.balance_nano == 5 * USD
    assert await repo.ledger_sum(uuid.UUID(created.tenant_id)) == 5 * USD

    auth = await stub.Authenticate(pb.AuthenticateRequest(key_hash=sha(secret)))
    assert auth.ok and auth.tenant_id == created.tenant_id
    assert auth.key_id == created.key.key.id
    upper = await stub.Authenticate(pb.AuthenticateRequest(key_hash=sha(secret).upper()))
    assert upper.ok
    for bad in (sha(secret + "x"), "", "zz", secret):
        assert not (await stub.Authenticate(pb.AuthenticateRequest(key_hash=bad))).ok

    keys = await stub.ListKeys(pb.ListKeysRequest(tenant_id=created.tenant_id))
    assert len(keys.keys) == 1 and keys.keys[0].last_used_at_unix_ms > 0  # touched by auth
    tenants = await stub.ListTenants(pb.ListTenantsRequest())
    assert created.tenant_id in {t.id for t in tenants.tenants}


async def test_create_key_revoke(stub: LedgerServiceStub) -> None:
    t = await new_tenant(stub)
    extra = await stub.CreateKey(pb.CreateKeyRequest(tenant_id=t.tenant_id, name="ci"))
    assert extra.secret != t.key.secret and extra.key.name == "ci"
    listed = await stub.ListKeys(pb.ListKeysRequest(tenant_id=t.tenant_id))
    assert {k.id for k in listed.keys} == {t.key.key.id, extra.key.id}
    assert all(extra.secret not in str(k) for k in listed.keys)

    revoked = await stub.RevokeKey(pb.RevokeKeyRequest(tenant_id=t.tenant_id, key_id=extra.key.id))
    assert revoked.revoked
    assert not (await stub.Authenticate(pb.AuthenticateRequest(key_hash=sha(extra.secret)))).ok
    assert (await stub.Authenticate(pb.AuthenticateRequest(key_hash=sha(t.key.secret)))).ok
    again = await stub.RevokeKey(pb.RevokeKeyRequest(tenant_id=t.tenant_id, key_id=extra.key.id))
    assert again.revoked  # idempotent
    listed = await stub.ListKeys(pb.ListKeysRequest(tenant_id=t.tenant_id))
    assert {k.id: k.revoked for k in listed.keys} == {t.key.key.id: False, extra.key.id: True}


async def test_tenant_isolation_on_every_rpc(
    stub: LedgerServiceStub, repo: LedgerRepository
) -> None:
    a = await new_tenant(stub, 5 * USD, "a")
    b = await new_tenant(stub, 7 * USD, "b")
    nf = grpc.StatusCode.NOT_FOUND
    # RevokeKey: b cannot revoke a's key, and a's key keeps working.
    await expect_code(
        nf, stub.RevokeKey(pb.RevokeKeyRequest(tenant_id=b.tenant_id, key_id=a.key.key.id))
    )
    assert (await stub.Authenticate(pb.AuthenticateRequest(key_hash=sha(a.key.secret)))).ok
    auth_b = await stub.Authenticate(pb.AuthenticateRequest(key_hash=sha(b.key.secret)))
    assert auth_b.tenant_id == b.tenant_id
    # ListKeys / CreateKey
    a_key2 = await stub.CreateKey(pb.CreateKeyRequest(tenant_id=a.tenant_id, name="a2"))
    b_keys = await stub.ListKeys(pb.ListKeysRequest(tenant_id=b.tenant_id))
    assert {k.id for k in b_keys.keys} == {b.key.key.id}
    assert a_key2.key.id not in {k.id for k in b_keys.keys}
    # GetBalance / Adjust
    await stub.Adjust(
        pb.AdjustRequest(
            tenant_id=b.tenant_id, amount_nano=USD, reason="goodwill", cause_id="adj-b-1"
        )
    )
    assert (
        await stub.GetBalance(pb.GetBalanceRequest(tenant_id=a.tenant_id))
    ).balance_nano == 5 * USD
    assert (
        await stub.GetBalance(pb.GetBalanceRequest(tenant_id=b.tenant_id))
    ).balance_nano == 8 * USD
    # ListUsage: a's usage is invisible to b
    now = datetime.now(UTC)
    await repo.settle([usage_event(a.tenant_id, "req-a-1", 100, now)])
    assert [
        r.id for r in (await stub.ListUsage(pb.ListUsageRequest(tenant_id=a.tenant_id))).records
    ] == ["req-a-1"]
    assert not (await stub.ListUsage(pb.ListUsageRequest(tenant_id=b.tenant_id))).records
    # Unknown or malformed tenant ids
    ghost = str(uuid.uuid4())
    for tid in (ghost, "not-a-uuid", ""):
        await expect_code(nf, stub.GetBalance(pb.GetBalanceRequest(tenant_id=tid)))
        await expect_code(nf, stub.CreateKey(pb.CreateKeyRequest(tenant_id=tid, name="x")))
        await expect_code(
            nf,
            stub.Adjust(
                pb.AdjustRequest(tenant_id=tid, amount_nano=1, reason="r", cause_id=f"adj-{tid}")
            ),
        )
        await expect_code(
            nf, stub.RevokeKey(pb.RevokeKeyRequest(tenant_id=tid, key_id=a.key.key.id))
        )
        assert not (await stub.ListKeys(pb.ListKeysRequest(tenant_id=tid))).keys
        assert not (await stub.ListUsage(pb.ListUsageRequest(tenant_id=tid))).records
    await expect_code(nf, stub.RevokeKey(pb.RevokeKeyRequest(tenant_id=a.tenant_id, key_id="nope")))


async def test_pinned_secret_is_idempotent(stub: LedgerServiceStub, repo: LedgerRepository) -> None:
    pinned = "tok_bootstrap-pinned-secret-0001"
    req = pb.CreateTenantRequest(
        name="bootstrap", initial_credit_nano=10 * USD, key_name="bootstrap", pinned_secret=pinned
    )
    results = await asyncio.gather(*(stub.CreateTenant(req) for _ in range(5)))
    again = await stub.CreateTenant(req)
    ids = {r.tenant_id for r in [*results, again]}
    assert len(ids) == 1
    assert {r.key.key.id for r in [*results, again]} == {again.key.key.id}
    assert again.key.secret == pinned
    tenants = [
        t
        for t in (await stub.ListTenants(pb.ListTenantsRequest())).tenants
        if t.name == "bootstrap"
    ]
    assert len(tenants) == 1 and tenants[0].balance_nano == 10 * USD
    assert await repo.ledger_sum(uuid.UUID(again.tenant_id)) == 10 * USD
    auth = await stub.Authenticate(pb.AuthenticateRequest(key_hash=sha(pinned)))
    assert auth.tenant_id == again.tenant_id
    await expect_code(
        grpc.StatusCode.INVALID_ARGUMENT,
        stub.CreateTenant(pb.CreateTenantRequest(name="x", pinned_secret="short")),
    )


async def test_create_tenant_validation(stub: LedgerServiceStub) -> None:
    inv = grpc.StatusCode.INVALID_ARGUMENT
    await expect_code(inv, stub.CreateTenant(pb.CreateTenantRequest(name="  ")))
    await expect_code(inv, stub.CreateTenant(pb.CreateTenantRequest(name="x" * 201)))
    await expect_code(
        inv, stub.CreateTenant(pb.CreateTenantRequest(name="neg", initial_credit_nano=-1))
    )
    zero = await stub.CreateTenant(pb.CreateTenantRequest(name="zero"))
    assert (await stub.GetBalance(pb.GetBalanceRequest(tenant_id=zero.tenant_id))).balance_nano == 0
    assert zero.key.key.name == "default"


async def test_adjust(stub: LedgerServiceStub, repo: LedgerRepository) -> None:
    t = await new_tenant(stub, 2 * USD)
    tid = t.tenant_id
    credit = pb.AdjustRequest(tenant_id=tid, amount_nano=3 * USD, reason="promo", cause_id="adj-1")
    assert (await stub.Adjust(credit)).balance_nano == 5 * USD
    assert (await stub.Adjust(credit)).balance_nano == 5 * USD  # same cause: once
    concurrent = pb.AdjustRequest(tenant_id=tid, amount_nano=USD, reason="r", cause_id="adj-2")
    await asyncio.gather(*(stub.Adjust(concurrent) for _ in range(5)))
    assert (await stub.GetBalance(pb.GetBalanceRequest(tenant_id=tid))).balance_nano == 6 * USD
    debit = pb.AdjustRequest(tenant_id=tid, amount_nano=-USD, reason="fix", cause_id="adj-3")
    assert (await stub.Adjust(debit)).balance_nano == 5 * USD

    await expect_code(
        grpc.StatusCode.FAILED_PRECONDITION,
        stub.Adjust(
            pb.AdjustRequest(
                tenant_id=tid, amount_nano=-6 * USD, reason="too much", cause_id="adj-4"
            )
        ),
    )
    inv = grpc.StatusCode.INVALID_ARGUMENT
    await expect_code(
        inv,
        stub.Adjust(
            pb.AdjustRequest(  # cause reused, other amount
                tenant_id=tid, amount_nano=2 * USD, reason="promo", cause_id="adj-1"
            )
        ),
    )
    await expect_code(
        inv,
        stub.Adjust(
            pb.AdjustRequest(tenant_id=tid, amount_nano=0, reason="zero", cause_id="adj-5")
        ),
    )
    await expect_code(
        inv,
        stub.Adjust(pb.AdjustRequest(tenant_id=tid, amount_nano=1, reason="", cause_id="adj-6")),
    )
    await expect_code(
        inv, stub.Adjust(pb.AdjustRequest(tenant_id=tid, amount_nano=1, reason="r", cause_id=""))
    )
    balance = (await stub.GetBalance(pb.GetBalanceRequest(tenant_id=tid))).balance_nano
    assert balance == 5 * USD == await repo.ledger_sum(uuid.UUID(tid))
    assert await repo.reconcile() == []


def usage_event(
    tenant_id: str, request_id: str, charged: int, at: datetime, *, tier: str = "instant"
) -> UsageEvent:
    from tokaroo_proto.events.v1 import events_pb2

    ev = events_pb2.CompletionEvent(
        request_id=request_id,
        tenant_id=tenant_id,
        charged_nano=charged,
        tier=tier,
        input_tokens=3,
        output_tokens=4,
        latency_ms=9,
        status="ok" if tier else "error",
        error_code="" if tier else "rate_limited",
        cache_outcome="exact",
    )
    return decode(ev.SerializeToString(), at)


async def test_usage_leaves_out_requests_refused_before_routing(
    stub: LedgerServiceStub, repo: LedgerRepository
) -> None:
    """A request refused before the router chose a tier (rate limit, malformed body, no
    capacity) is settled, but the usage a tenant reads (whose every row has a tier) and its
    daily totals leave it out."""
    t = await new_tenant(stub)
    at = datetime.now(UTC) - timedelta(minutes=1)
    await repo.settle(
        [
            usage_event(t.tenant_id, "req-routed", 10, at),
            usage_event(t.tenant_id, "req-refused", 0, at + timedelta(seconds=1), tier=""),
        ]
    )
    listed = (await stub.ListUsage(pb.ListUsageRequest(tenant_id=t.tenant_id))).records
    assert [(r.id, r.tier) for r in listed] == [("req-routed", "instant")]
    only_refused = await stub.ListUsage(pb.ListUsageRequest(tenant_id=t.tenant_id, tier=""))
    assert [r.id for r in only_refused.records] == ["req-routed"]
    summary = await stub.UsageSummary(pb.UsageSummaryRequest(tenant_id=t.tenant_id))
    assert [(b.tier, b.requests) for b in summary.buckets] == [("instant", 1)]


async def test_list_usage_pages_newest_first(
    stub: LedgerServiceStub, repo: LedgerRepository
) -> None:
    t = await new_tenant(stub)
    base = datetime(2026, 5, 1, tzinfo=UTC)
    # 7 rows; three share a timestamp, so the request id breaks the tie.
    times = [
        base,
        base + timedelta(seconds=1),
        base + timedelta(seconds=1),
        base + timedelta(seconds=1),
        base + timedelta(seconds=2),
        base + timedelta(microseconds=3_000_001),
        base + timedelta(seconds=5),
    ]
    events = [usage_event(t.tenant_id, f"req-{i}", 10 * (i + 1), at) for i, at in enumerate(times)]
    await repo.settle(events)
    expected = [
        e.request_id
        for e in sorted(events, key=lambda e: (e.created_at, e.request_id), reverse=True)
    ]
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        page = await stub.ListUsage(
            pb.ListUsageRequest(tenant_id=t.tenant_id, limit=3, cursor=cursor)
        )
        seen += [r.id for r in page.records]
        pages += 1
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == expected and pages == 3
    first = (await stub.ListUsage(pb.ListUsageRequest(tenant_id=t.tenant_id))).records[0]
    assert (
        first.id,
        first.tier,
        first.input_tokens,
        first.output_tokens,
        first.charged_nano,
        first.latency_ms,
        first.cache_outcome,
        first.status,
    ) == ("req-6", "instant", 3, 4, 70, 9, "exact", "ok")
    assert first.created_at_unix_ms == int((base + timedelta(seconds=5)).timestamp() * 1000)
    exact_fit = await stub.ListUsage(pb.ListUsageRequest(tenant_id=t.tenant_id, limit=7))
    assert len(exact_fit.records) == 7 and not exact_fit.next_cursor

    inv = grpc.StatusCode.INVALID_ARGUMENT
    await expect_code(inv, stub.ListUsage(pb.ListUsageRequest(tenant_id=t.tenant_id, limit=101)))
    await expect_code(inv, stub.ListUsage(pb.ListUsageRequest(tenant_id=t.tenant_id, limit=-1)))
    await expect_code(
        inv, stub.ListUsage(pb.ListUsageRequest(tenant_id=t.tenant_id, cursor="garbage!"))
    )
