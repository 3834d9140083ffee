"""Process lifecycle: the event loop a service runs on, and SIGTERM/SIGINT inside it."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def shutdown_event() -> asyncio.Event:
    """An event set on SIGTERM or SIGINT (call from inside the running loop)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run a service's main coroutine on uvloop (libuv: less CPU per gRPC call and socket
    event than asyncio's selector loop), or on asyncio where uvloop does not exist."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop has no Windows build
        return asyncio.run(main)
    return uvloop.run(main)
