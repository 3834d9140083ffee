"""Process lifecycle: the event loop a service runs on, SIGTERM/SIGINT inside it, and the
startup heap kept out of the garbage collector's way while the service serves."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
from collections.abc import Coroutine, Iterator
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


@contextlib.contextmanager
def frozen_startup_heap() -> Iterator[None]:
    """While serving, hide every object alive at the end of startup from the cyclic garbage
    collector: settings, clients, models, pydantic and protobuf schemas live as long as the
    process, and every full collection walked them all (in the edge about a tenth of its CPU
    per chat request). What startup left behind is collected first; unfrozen on exit."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
