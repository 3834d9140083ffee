"""Publishing to a real NATS and the router's pool watcher swapping under load."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tokaroo_cli.infra import running_servers
from tokaroo_common.jetstream import STREAM, connect
from tokaroo_common.turns import user_says
from tokaroo_proto.router.v1 import router_pb2
from tokaroo_research.cli import execute, parser
from tokaroo_research.config import ResearchSettings
from tokaroo_research.job import RunOptions, run
from tokaroo_research.publish import encode
from tokaroo_router.decide import Decider, PoolHolder
from tokaroo_router.difficulty_model import load_model
from tokaroo_router.pool import Pool, default_pool_path, load_pool, with_local_model
from tokaroo_router.pool_watch import (
    BUCKET,
    CURRENT_KEY,
    POOL_SUBJECT,
    PoolWatcher,
    start_pool_watch,
)
from tokaroo_router.server import RouterServicer

NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


@pytest.fixture
def nats_url(tmp_path: Path) -> Iterator[str]:
    with running_servers(tmp_path, nats=True, valkey=False, postgres=False) as servers:
        yield servers.nats_url


def settings(url: str) -> ResearchSettings:
    return ResearchSettings(
        _env_file=None,
        nats_url=url,
        openai_base_url=None,
        anthropic_base_url=None,
        gemini_base_url=None,
    )


class Context:
    """Stands in for grpc.aio.ServicerContext: Route only touches it to abort."""

    async def abort(self, code: object, details: str) -> None:
        raise AssertionError(f"Route aborted: {code} {details}")


async def wait_for_version(holder: PoolHolder, version: str, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while holder.current.version != version:
            await asyncio.sleep(0.01)


class Watching:
    def __init__(self, url: str) -> None:
        self.url = url
        self.holder = PoolHolder(load_pool(default_pool_path()))
        self.watcher = PoolWatcher(self.holder)
        self.stop = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Watching:
        self.task = await start_pool_watch(self.watcher, self.url, self.stop, wait_s=10)
        assert self.watcher.loaded.is_set()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.stop.set()
        assert self.task is not None
        await asyncio.wait_for(self.task, 10)


async def publish_run(url: str, minutes: int) -> str:
    report = await run(
        RunOptions(publish=True), settings(url), now=NOW + timedelta(minutes=minutes)
    )
    assert report.ok and report.published_revision, report.problems
    assert report.version is not None
    return report.version


async def test_pool_updates_while_requests_are_in_flight_lose_none(nats_url: str) -> None:
    packaged = load_pool(default_pool_path()).version
    async with Watching(nats_url) as w:
        assert w.holder.current.version == packaged  # empty bucket: the packaged pool
        servicer = RouterServicer(Decider(w.holder, load_model()))
        done = asyncio.Event()
        results: list[str] = []
        failures: list[BaseException] = []

        async def client(i: int) -> None:
            texts = [
                "hi",
                "Prove that there are infinitely many primes, step by step.",
                "Write a Python function that parses ISO dates and test it.",
            ]
            while not done.is_set():
                req = router_pb2.RouteRequest(
                    request_id=f"r{i}",
                    model=("auto", "fast", "max", "gpt-4o")[i % 4],
                    conversation=user_says(texts[i % 3]),
                    input_tokens=20 + i,
                    endpoint="chat.completions",
                )
                try:
                    decision = await servicer.Route(req, Context())  # type: ignore[arg-type]
                    assert decision.candidates and decision.pool_version
                    results.append(decision.pool_version)
                except BaseException as exc:  # noqa: BLE001 - every failure is counted
                    failures.append(exc)
                await asyncio.sleep(0)

        clients = [asyncio.create_task(client(i)) for i in range(8)]
        published = []
        for n in range(4):
            version = await publish_run(nats_url, n)
            await wait_for_version(w.holder, version)
            published.append(version)
            await asyncio.sleep(0.05)
        done.set()
        await asyncio.gather(*clients)
    assert not failures, failures[:3]
    assert len(results) > 100
    assert set(results) <= {packaged, *published}
    assert set(published) <= set(results)  # every snapshot served requests
    assert w.watcher.rejected == 0

    nc = await connect(nats_url, "test")
    try:
        last = await nc.jetstream().get_last_msg(STREAM, POOL_SUBJECT)
        assert json.loads(last.data)["version"] == published[-1]
    finally:
        await nc.drain()


async def test_invalid_snapshot_is_rejected_and_the_running_pool_stays(nats_url: str) -> None:
    good = await publish_run(nats_url, 0)
    async with Watching(nats_url) as w:
        assert w.holder.current.version == good  # start-up load from the bucket
        nc = await connect(nats_url, "test")
        kv = await nc.jetstream().key_value(BUCKET)
        bad: dict[str, Any] = json.loads((await kv.get(CURRENT_KEY)).value)
        bad["version"] = "bad-free-model"
        for m in bad["models"]:
            if m["id"] == "gpt-4o":
                m["input_per_1m"] = m["output_per_1m"] = "0"
        await kv.put(CURRENT_KEY, encode(bad))
        jump = dict(
            bad,
            version="bad-price-jump",
            models=[
                dict(m, input_per_1m="25") if m["id"] == "gpt-4.1-mini" else m
                for m in json.loads((await kv.get("version." + good)).value)["models"]
            ],
        )
        await kv.put(CURRENT_KEY, encode(jump))
        await kv.put(CURRENT_KEY, b"{not json")
        async with asyncio.timeout(10):
            while w.watcher.rejected < 3:
                await asyncio.sleep(0.01)
        assert w.holder.current.version == good
        await nc.drain()


async def test_rollback_republishes_the_previous_snapshot(
    nats_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    first = await publish_run(nats_url, 0)
    async with Watching(nats_url) as w:
        second = await publish_run(nats_url, 1)
        await wait_for_version(w.holder, second)
        assert w.watcher.rollback()  # in process: back to the one before
        assert w.holder.current.version == first
        third = await publish_run(nats_url, 2)
        await wait_for_version(w.holder, third)
        code = await execute(parser().parse_args(["rollback"]), settings(nats_url))
        assert code == 0, capsys.readouterr()
        out = json.loads(capsys.readouterr().out)
        assert out["version"] == second
        await wait_for_version(w.holder, second)
        code = await execute(parser().parse_args(["rollback", "--to", first]), settings(nats_url))
        assert code == 0
        await wait_for_version(w.holder, first)


async def test_local_model_survives_swaps(nats_url: str) -> None:
    def local(p: Pool) -> Pool:
        return with_local_model(p, "llama3.2")

    base = load_pool(default_pool_path())
    holder = PoolHolder(local(base))
    watcher = PoolWatcher(holder, base, local)
    stop = asyncio.Event()
    task = await start_pool_watch(watcher, nats_url, stop, wait_s=10)
    version = await publish_run(nats_url, 0)
    await wait_for_version(holder, version + "+local")
    assert "llama3.2" in holder.current.by_id and watcher.rejected == 0
    stop.set()
    await asyncio.wait_for(task, 10)
