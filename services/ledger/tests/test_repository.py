"""Repository settlement semantics against a real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from tokaroo_ledger.models import UsageEvent
from tokaroo_ledger.repository import LedgerRepository
from tokaroo_ledger.settlement import decode
from tokaroo_proto.events.v1 import events_pb2

NOW = datetime.now(UTC)


def ev(tenant: uuid.UUID, rid: str, charged: int) -> UsageEvent:
    return decode(
        events_pb2.CompletionEvent(
            request_id=rid, tenant_id=str(tenant), charged_nano=charged
        ).SerializeToString(),
        NOW,
    )


async def test_settle_is_idempotent_per_request(repo: LedgerRepository) -> None:
    t, _, _ = await repo.create_tenant("t", 1000, "k", "tok_" + "a" * 30, pinned=False)
    first = await repo.settle([ev(t.id, "r1", 100), ev(t.id, "r2", 0), ev(t.id, "r3", 50)])
    assert (first.inserted, first.charged, first.charged_nano) == (3, 2, 150)
    again = await repo.settle([ev(t.id, "r1", 100), ev(t.id, "r3", 999), ev(t.id, "r4", 7)])
    assert (again.inserted, again.charged, again.charged_nano) == (1, 1, 7)
    assert await repo.get_balance(t.id) == 1000 - 157 == await repo.ledger_sum(t.id)


async def test_settle_reports_unknown_tenants(repo: LedgerRepository) -> None:
    t, _, _ = await repo.create_tenant("t", 0, "k", "tok_" + "b" * 30, pinned=False)
    ghost = uuid.uuid4()
    out = await repo.settle([ev(t.id, "x1", 5), ev(ghost, "x2", 5)])
    assert out.unknown_tenants == {ghost} and out.inserted == 1
    assert await repo.get_balance(t.id) == -5  # usage may overdraw; the edge holds funds
    assert (await repo.settle([ev(ghost, "x3", 1)])).unknown_tenants == {ghost}


async def test_concurrent_settlers_charge_once(repo: LedgerRepository) -> None:
    tenants = [
        (await repo.create_tenant(f"t{i}", 10_000, "k", f"tok_{i}{'c' * 30}", pinned=False))[0]
        for i in range(3)
    ]
    batch = [ev(tenants[i % 3].id, f"c{i}", i + 1) for i in range(90)]
    # Overlapping batches in different orders, as two ledger replicas would see them.
    await asyncio.gather(
        repo.settle(batch),
        repo.settle(list(reversed(batch))),
        repo.settle(batch[::2]),
        repo.settle(batch[1::2]),
    )
    for i, t in enumerate(tenants):
        spent = sum(n + 1 for n in range(90) if n % 3 == i)
        assert await repo.get_balance(t.id) == 10_000 - spent == await repo.ledger_sum(t.id)
