"""The outbox against a real NATS: nothing is lost across a NATS restart or an edge stop."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from tokaroo_common.jetstream import COMPLETION_SUBJECT, STREAM, connect, ensure_stream
from tokaroo_common.outbox import Outbox, OutboxItem, load_spill, write_spill

from .conftest import NatsServer


@pytest.fixture
def base() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="tk-ob-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


async def _count(url: str) -> int:
    nc = await connect(url, "count")
    info = await nc.jetstream().stream_info(STREAM)
    await nc.close()
    return int(info.state.messages)


async def test_events_survive_a_nats_restart(base: Path) -> None:
    with NatsServer(base / "nats") as nats:
        nc = await connect(nats.url, "t")
        await ensure_stream(nc.jetstream())
        outbox = Outbox(nc, capacity=1000, workers=4, publish_timeout_s=0.5)
        outbox.start()
        for i in range(50):
            outbox.put(OutboxItem(COMPLETION_SUBJECT, b"x", f"a-{i}"))
        assert await outbox.flush(10)
        nats.stop()
        for i in range(50):
            outbox.put(OutboxItem(COMPLETION_SUBJECT, b"y", f"b-{i}"))
        outbox.put(OutboxItem(COMPLETION_SUBJECT, b"y", "b-0"))  # a duplicate
        await asyncio.sleep(1.0)
        nats.start()
        assert await outbox.flush(30)
        await outbox.close(5)
        await nc.close()
        assert await _count(nats.url) == 100


async def test_stop_during_outage_spills_and_next_start_publishes(base: Path) -> None:
    spill = base / "spill.jsonl"
    with NatsServer(base / "nats") as nats:
        nc = await connect(nats.url, "t")
        await ensure_stream(nc.jetstream())
        nats.stop()
        outbox = Outbox(nc, capacity=100, workers=2, publish_timeout_s=0.2, spill_path=spill)
        outbox.start()
        for i in range(10):
            outbox.put(OutboxItem(COMPLETION_SUBJECT, b"z", f"c-{i}", {"k": "v"}))
        await outbox.close(timeout_s=0.5)
        assert spill.exists()
        nats.start()
        await asyncio.sleep(0.5)
        again = Outbox(nc, capacity=100, workers=2, spill_path=spill)
        again.start()
        assert not spill.exists()
        assert await again.flush(30)
        await again.close(5)
        await nc.close()
        assert await _count(nats.url) == 10


def test_spill_round_trip_and_corrupt_lines(base: Path) -> None:
    path = base / "s.jsonl"
    write_spill(path, [OutboxItem("s", b"\x00\xff", "id1", None)])
    with path.open("ab") as fh:
        fh.write(b"not json\n")
    items = load_spill(path)
    assert items == [OutboxItem("s", b"\x00\xff", "id1", None)]
    assert not path.exists()


async def test_a_killed_outbox_leaves_a_journal_the_next_start_publishes(base: Path) -> None:
    journal = base / "journal"
    with NatsServer(base / "nats") as nats:
        nc = await connect(nats.url, "t")
        await ensure_stream(nc.jetstream())
        outbox = Outbox(nc, capacity=100, workers=2, publish_timeout_s=0.5, journal_dir=journal)
        outbox.start()
        for i in range(5):
            outbox.put(OutboxItem(COMPLETION_SUBJECT, b"p", f"d-{i}"))
        assert await outbox.flush(10)  # published: their segment is no longer needed
        nats.stop()
        for i in range(20):
            outbox.put(OutboxItem(COMPLETION_SUBJECT, b"k", f"e-{i}", {"k": "v"}))
        await asyncio.sleep(0.3)
        # SIGKILL: no close, no spill; only what the journal wrote ahead remains.
        for task in outbox._tasks:
            task.cancel()
        await asyncio.gather(*outbox._tasks, return_exceptions=True)
        assert list(journal.iterdir())
        nats.start()
        await asyncio.sleep(0.5)
        again = Outbox(nc, capacity=100, workers=2, journal_dir=journal)
        again.start()
        assert await again.flush(30)
        await again.close(5)
        await nc.close()
        assert await _count(nats.url) == 25  # d-0..4 once (deduplicated), e-0..19
        assert not list(journal.iterdir())
