"""The service event loop and the shutdown signal."""

from __future__ import annotations

import asyncio
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
