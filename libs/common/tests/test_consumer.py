"""The one durable consumer loop (jetstream.run_pull_consumer) against a real NATS: acks only
after the handler returned, poison to the dead-letter subject once, failed batches redelivered,
bounded redelivery dead-letters instead of dropping, and a stop finishes the batch in hand."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path

import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from tokaroo_common.jetstream import (
    COMPLETION_SUBJECT,
    DLQ_PREFIX,
    STREAM,
    ConsumerOptions,
    connect,
    ensure_stream,
    publish,
    run_pull_consumer,
)

from .conftest import NatsServer


@pytest.fixture
async def nc(tmp_path: Path) -> AsyncIterator[NATS]:
    with NatsServer(tmp_path / "nats") as server:
        client = await connect(server.url, "consumer-test")
        await ensure_stream(client.jetstream())
        try:
            yield client
        finally:
            await client.close()


async def _publish(nc: NATS, n: int, prefix: str = "m") -> None:
    js = nc.jetstream()
    for i in range(n):
        await publish(js, COMPLETION_SUBJECT, f"{prefix}-{i}".encode(), f"{prefix}-{i}")


async def _until(check: Callable[[], Awaitable[bool]], timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def _dead(nc: NATS, durable: str) -> int:
    info = await nc.jetstream().stream_info(STREAM, subjects_filter=DLQ_PREFIX + durable)
    return sum((info.state.subjects or {}).values())


async def test_acks_after_handling_and_dead_letters_poison_once(nc: NATS) -> None:
    seen: list[bytes] = []
    fail_once = {"m-3"}

    async def handler(msgs: Sequence[Msg]) -> list[Msg]:
        names = {m.data.decode() for m in msgs}
        if names & fail_once:
            fail_once.clear()
            raise RuntimeError("database down")  # the whole batch comes again
        seen.extend(m.data for m in msgs)
        return [m for m in msgs if m.data == b"m-7"]

    opts = ConsumerOptions(durable="t1", batch=4, fetch_timeout_s=0.2, nak_delay_s=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(run_pull_consumer(nc, opts, handler, stop))
    await _publish(nc, 10)

    async def settled() -> bool:
        info = await nc.jetstream().consumer_info(STREAM, "t1")
        return info.num_pending == 0 and info.num_ack_pending == 0 and len(set(seen)) == 10

    await _until(settled)
    stop.set()
    await asyncio.wait_for(task, 10)
    assert await _dead(nc, "t1") == 1


async def test_bounded_redelivery_dead_letters_instead_of_dropping(nc: NATS) -> None:
    deliveries = 0

    async def handler(msgs: Sequence[Msg]) -> list[Msg]:
        nonlocal deliveries
        deliveries += 1
        raise RuntimeError("always failing")

    opts = ConsumerOptions(
        durable="t2", batch=8, fetch_timeout_s=0.2, nak_delay_s=0.05, max_deliver=3
    )
    stop = asyncio.Event()
    task = asyncio.create_task(run_pull_consumer(nc, opts, handler, stop))
    await _publish(nc, 1)

    async def dead() -> bool:
        return await _dead(nc, "t2") == 1

    await _until(dead)
    stop.set()
    await asyncio.wait_for(task, 10)
    assert deliveries == 3


async def test_a_stop_finishes_the_batch_in_hand(nc: NATS) -> None:
    started, release = asyncio.Event(), asyncio.Event()
    handled: list[int] = []

    async def handler(msgs: Sequence[Msg]) -> list[Msg]:
        started.set()
        await release.wait()
        handled.append(len(msgs))
        return []

    opts = ConsumerOptions(durable="t3", batch=100, fetch_timeout_s=0.2)
    stop = asyncio.Event()
    await _publish(nc, 5)
    task = asyncio.create_task(run_pull_consumer(nc, opts, handler, stop))
    await asyncio.wait_for(started.wait(), 10)
    stop.set()
    release.set()
    await asyncio.wait_for(task, 10)
    info = await nc.jetstream().consumer_info(STREAM, "t3")
    assert sum(handled) == 5 and info.num_ack_pending == 0 and info.num_pending == 0
