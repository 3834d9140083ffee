"""The memory-growth debugging aid: the call sites that grew most, one line each."""

from __future__ import annotations

import asyncio
import logging
import tracemalloc

import pytest
from tokaroo_common.heap_watch import growth_lines, start_heap_watch, watch_heap


def _grow(kept: list[bytes]) -> None:
    kept.extend(bytes(1024) for _ in range(200))


def test_growth_lines_put_the_growing_call_site_first() -> None:
    kept: list[bytes] = []
    tracemalloc.start(4)
    try:
        first = tracemalloc.take_snapshot()
        _grow(kept)
        lines = growth_lines(tracemalloc.take_snapshot().compare_to(first, "traceback"), top=3)
    finally:
        tracemalloc.stop()
    assert len(lines) <= 3
    assert "test_heap_watch.py" in lines[0] and "+200 blocks" in lines[0], lines


async def test_watch_heap_logs_until_cancelled(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "tokaroo_common.heap_watch")
    task = asyncio.create_task(watch_heap(0.05, top=2))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not tracemalloc.is_tracing()
    records = [r for r in caplog.records if r.message == "heap growth since start"]
    assert records and len(records[0].top) <= 2  # type: ignore[attr-defined]


async def test_start_heap_watch_is_off_at_zero() -> None:
    assert start_heap_watch(0) is None
    task = start_heap_watch(60)
    assert task is not None and not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
