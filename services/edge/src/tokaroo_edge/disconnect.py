"""Stopping work nobody will read: inside `cancelled_if_client_leaves`, the request's task is
cancelled when its client disconnects."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.requests import ClientDisconnect
from starlette.types import Receive


@contextlib.asynccontextmanager
async def cancelled_if_client_leaves(receive: Receive) -> AsyncIterator[None]:
    """Inside, the current task is cancelled if the client disconnects, so work nobody will
    read (admission, an upstream call, a stream's next chunk) stops; that cancellation leaves
    as `ClientDisconnect`. Any other cancellation goes through unchanged. Use it once the
    request body has been read: the next ASGI message can then only be the disconnect. One
    watcher task per request."""
    task = asyncio.current_task()
    assert task is not None
    left = False

    def on_disconnect(watch: asyncio.Future[None]) -> None:
        nonlocal left
        if not watch.cancelled() and watch.exception() is None:
            left = True
            task.cancel()

    watch = asyncio.ensure_future(_disconnected(receive))
    watch.add_done_callback(on_disconnect)
    try:
        yield
    except asyncio.CancelledError:
        if not left:
            raise
        task.uncancel()
        raise ClientDisconnect() from None
    finally:
        watch.remove_done_callback(on_disconnect)
        watch.cancel()


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
