"""The batch puller (pull.BatchPuller) against a real NATS: one pull request open at a time,
however many small pulls are made while messages trickle in, and nothing lost or repeated."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from nats.aio.client import Client as NATS
from tokaroo_common.jetstream import (
    COMPLETION_SUBJECT,
    STREAM,
    ConsumerOptions,
    connect,
    ensure_consumer,
    ensure_stream,
    publish,
)
from tokaroo_common.pull import BatchPuller

from .conftest import NatsServer


@pytest.fixture
async def nc(tmp_path: Path) -> AsyncIterator[NATS]:
    with NatsServer(tmp_path / "nats") as server:
        client = await connect(server.url, "pull-test")
        await ensure_stream(client.jetstream())
        try:
            yield client
        finally:
            await client.close()


async def test_small_pulls_keep_one_request_open_and_lose_nothing(nc: NATS) -> None:
    js = nc.jetstream()
    opts = ConsumerOptions(durable="pull-test", batch=256)
    await ensure_consumer(js, opts)
    puller = BatchPuller(nc, STREAM, opts.durable)
    await puller.start()

    async def trickle() -> None:
        for i in range(120):
            await publish(js, COMPLETION_SUBJECT, f"m-{i}".encode(), f"m-{i}")
            await asyncio.sleep(0.002)

    sender = asyncio.create_task(trickle())
    got: list[bytes] = []
    waiting: list[int] = []
    while len(got) < 120:
        # As the settlement loop does: a first message, then a short fill window.
        batch = await puller.pull(256, 1.0, min_count=1)
        batch += await puller.pull(256, 0.01)
        for m in batch:
            await m.ack()
        got += [m.data for m in batch]
        waiting.append((await js.consumer_info(STREAM, opts.durable)).num_waiting)
    await sender
    await puller.stop()
    assert sorted(got, key=lambda d: int(d.split(b"-")[1])) == [
        f"m-{i}".encode() for i in range(120)
    ]
    # Before: every call left its request open for up to `batch` messages, and they piled up
    # to the consumer's max_waiting (64). Now at most the open one and one ending.
    assert max(waiting) <= 2, waiting


async def test_an_idle_pull_returns_empty_after_its_timeout(nc: NATS) -> None:
    js = nc.jetstream()
    opts = ConsumerOptions(durable="pull-idle")
    await ensure_consumer(js, opts)
    puller = BatchPuller(nc, STREAM, opts.durable)
    await puller.start()
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await puller.pull(10, 0.3, min_count=1) == []
    assert loop.time() - started >= 0.3
    for _ in range(5):  # repeated idle pulls do not pile requests up either
        assert await puller.pull(10, 0.1, min_count=1) == []
    assert (await js.consumer_info(STREAM, opts.durable)).num_waiting <= 2
    await puller.stop()
