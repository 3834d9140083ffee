"""Sending bytes the way a failing upstream does: paced SSE frames, a body cut off mid-way,
a connection dropped without an answer.

Dropping a connection needs the socket, which ASGI does not expose: the uvicorn protocol in
`server.py` puts a `tokaroo.drop` callable into `scope["extensions"]`. Without it (for example
under httpx's ASGITransport) the app raises `ConnectionDropped`, which the test client surfaces
as an exception, much like a transport error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

DROP_EXTENSION = "tokaroo.drop"
BREAK_PAUSE_S = 0.25  # silence before a `break-midstream` connection closes
DropHook = Callable[[bool], None]  # drop(reset): reset=True aborts (RST), False closes (FIN)


class ConnectionDropped(Exception):
    """The simulator dropped the connection on purpose (no hook to do it for real)."""


async def drop_connection(scope: Scope, receive: Receive, *, reset: bool) -> None:
    hook: DropHook | None = scope.get("extensions", {}).get(DROP_EXTENSION)
    if hook is None:
        raise ConnectionDropped("connection dropped by the simulator")
    hook(reset)
    while (await receive())["type"] != "http.disconnect":  # let the server see the close
        pass


async def hold(receive: Receive, seconds: float) -> bool:
    """Wait `seconds`, returning early (True) when the client goes away."""
    try:
        async with asyncio.timeout(seconds):
            while (await receive())["type"] != "http.disconnect":
                pass
            return True
    except TimeoutError:
        return False


class Dropped(Response):
    """No response at all: the connection is reset (or closed) before the status line."""

    def __init__(self, *, reset: bool = True) -> None:
        super().__init__()
        self.reset = reset

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await drop_connection(scope, receive, reset=self.reset)


class Frames(Response):
    """A chunked body sent frame by frame, `interval` seconds apart; with `break_after` set,
    the connection is closed after that many frames, so the body ends abruptly."""

    def __init__(
        self,
        frames: Sequence[bytes],
        media_type: str,
        *,
        interval: float = 0.0,
        break_after: int | None = None,
        status_code: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status_code=status_code, media_type=media_type, headers=headers)
        del self.headers["content-length"]
        self.frames = frames
        self.interval = interval
        self.break_after = break_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        frames = self.frames if self.break_after is None else self.frames[: self.break_after]
        for i, frame in enumerate(frames):
            if i and self.interval:
                await asyncio.sleep(self.interval)
            await send({"type": "http.response.body", "body": frame, "more_body": True})
        if self.break_after is not None:
            # An upstream that dies mid-stream stalls first; the pause also lets the client
            # read what was sent: aiohttp drops a response's unread bytes once it sees the
            # connection close.
            await asyncio.sleep(BREAK_PAUSE_S)
            await drop_connection(scope, receive, reset=False)
            return
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def sse_headers() -> dict[str, str]:
    return {"cache-control": "no-cache", "x-accel-buffering": "no"}


def split_body(body: bytes) -> list[bytes]:
    """A JSON body cut in two, for a non-streamed `break-midstream`."""
    half = max(1, len(body) // 2)
    return [body[:half], body[half:]]
