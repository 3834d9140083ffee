"""Settlement end to end in-process: JetStream -> durable consumer -> PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from tokaroo_cli.infra import Servers
from tokaroo_common import jetstream
from tokaroo_common.jetstream import COMPLETION_SUBJECT, STREAM, ConsumerOptions
from tokaroo_common.reservations import ReservationBook
from tokaroo_ledger.repository import LedgerRepository
from tokaroo_ledger.settlement import DURABLE, Settler
from tokaroo_ledger.usage_store import UsageStore

USD = 1_000_000_000


@pytest.fixture
async def nc(nats_servers: Servers) -> AsyncIterator[NATS]:
    client = await jetstream.connect(nats_servers.nats_url, "ledger-test")
    await jetstream.ensure_stream(client.jetstream())
    try:
        yield client
    finally:
        await client.close()  # drain() hangs on pull subscriptions (see __main__)


async def wait_until_settled(
    nc: NATS,
    repo: LedgerRepository,
    tenant: uuid.UUID,
    expected_balance: int,
    timeout: float = 20.0,
) -> None:
    js = nc.jetstream()
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        info = await js.consumer_info(STREAM, DURABLE)
        balance = await repo.get_balance(tenant)
        if info.num_pending == 0 and info.num_ack_pending == 0 and balance == expected_balance:
            return
        assert asyncio.get_running_loop().time() < deadline, (info, balance, expected_balance)
        await asyncio.sleep(0.05)


async def test_events_are_charged_exactly_once(
    nc: NATS, repo: LedgerRepository, book: ReservationBook, make_event: Any
) -> None:
    tenant, key, _ = await repo.create_tenant("t", USD, "k", "tok_" + "s" * 30, pinned=False)
    js = nc.jetstream()
    dead: list[Msg] = []

    async def on_dead(msg: Msg) -> None:
        dead.append(msg)

    dlq = await nc.subscribe(jetstream.DLQ_PREFIX + ">", cb=on_dead)
    stop = asyncio.Event()
    opts = ConsumerOptions(
        durable=DURABLE, batch=16, fetch_timeout_s=0.2, ack_wait_s=5, max_deliver=-1
    )
    consumer = asyncio.create_task(
        jetstream.run_pull_consumer(nc, opts, Settler(repo, book).handle, stop)
    )
    try:
        events = [
            make_event(str(tenant.id), (i % 5) * 1_000 + (i % 3), key_id=str(key.id))
            for i in range(60)
        ]
        for ev in events:
            await jetstream.publish(js, COMPLETION_SUBJECT, ev.SerializeToString(), ev.request_id)
        for ev in events[:10]:  # same Nats-Msg-Id: dropped by the stream
            await jetstream.publish(js, COMPLETION_SUBJECT, ev.SerializeToString(), ev.request_id)
        for ev in events[10:30]:  # a new msg id, same request id: dropped by the ledger
            await jetstream.publish(
                js, COMPLETION_SUBJECT, ev.SerializeToString(), f"{ev.request_id}-replay"
            )
        stranger = make_event(str(uuid.uuid4()), 500)
        await jetstream.publish(
            js, COMPLETION_SUBJECT, stranger.SerializeToString(), stranger.request_id
        )
        await jetstream.publish(js, COMPLETION_SUBJECT, b"\xffnot a protobuf", "garbage-1")

        total = sum(ev.charged_nano for ev in events)
        await wait_until_settled(nc, repo, tenant.id, USD - total)
        assert await repo.ledger_sum(tenant.id) == USD - total
        assert await repo.reconcile() == []
        usage = await UsageStore(repo.pool).list_usage(tenant.id, 1000, None)
        assert sorted(u.request_id for u in usage) == sorted(ev.request_id for ev in events)
        async with _conn(repo) as conn:
            charges = await conn.fetchval(
                "SELECT count(*) FROM ledger_entries WHERE tenant_id = $1 AND kind = 'charge'",
                tenant.id,
            )
            stored_key = await conn.fetchval(
                "SELECT DISTINCT key_id FROM usage WHERE tenant_id = $1", tenant.id
            )
        assert charges == sum(1 for ev in events if ev.charged_nano > 0)
        assert stored_key == key.id
        for _ in range(100):
            if len(dead) == 2:
                break
            await asyncio.sleep(0.05)
        assert sorted(m.data for m in dead) == sorted(
            [stranger.SerializeToString(), b"\xffnot a protobuf"]
        )
    finally:
        stop.set()
        await asyncio.wait_for(consumer, 10)
        await dlq.unsubscribe()


def _conn(repo: LedgerRepository) -> Any:
    return repo._pool.acquire()  # test-only peek at the tables
