"""The service event loop and the shutdown signal."""

from __future__ import annotations

import asyncio
import gc
import os
import signal

import uvloop
from tokaroo_common import lifecycle


def test_run_uses_uvloop_and_returns_the_result() -> None:
    async def main() -> str:
        return type(asyncio.get_running_loop()).__module__

    assert lifecycle.run(main()).startswith("uvloop")
    assert isinstance(uvloop.new_event_loop(), asyncio.AbstractEventLoop)


def test_shutdown_event_is_set_by_sigterm() -> None:
    async def main() -> bool:
        stop = lifecycle.shutdown_event()
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(stop.wait(), timeout=5)
        return stop.is_set()

    assert lifecycle.run(main())


def test_the_startup_heap_is_hidden_from_the_collector_while_serving() -> None:
    startup = [[i] for i in range(3)]  # containers: tracked by the cyclic collector
    with lifecycle.frozen_startup_heap():
        assert gc.get_freeze_count() >= len(startup)
        assert all(o is not startup for o in gc.get_objects())  # a full collection skips it
    assert gc.get_freeze_count() == 0
    assert any(o is startup for o in gc.get_objects())
