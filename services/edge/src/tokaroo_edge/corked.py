"""A response's head leaves with the first bytes of its body.

uvicorn writes a response's status line and headers, then its body, as two `transport.write`
calls: two system calls, and two wake-ups of the client, which reads the headers alone first.
ASGI gives an app no way to hand both over at once. `CorkedHttpToolsProtocol` gives uvicorn's
own protocol a transport that holds a response head (a write starting with the status line)
and sends it in one `writelines` with the next write: a whole non-streamed answer leaves in
one system call, and a stream's head with its first chunk. A head with no write after it in
the same turn of the event loop (a stream whose first chunk is not there yet) is sent at the
end of that turn (a `call_soon`). Every other write goes straight through, so nothing waits
behind work queued on the loop. Closing sends what is held first: nothing is lost or
reordered."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

Buffer = bytes | bytearray | memoryview


HEAD = b"HTTP/1."  # how every status line uvicorn writes begins


class CorkedTransport(asyncio.Transport):
    """A transport that holds a response head until the next write, or the end of the turn."""

    def __init__(self, inner: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._inner = inner
        self._loop = loop
        self._held: Buffer | None = None

    def write(self, data: Buffer) -> None:
        if not data:
            return
        held, self._held = self._held, None
        if held is not None:
            self._send([held, data])
        elif data[: len(HEAD)] == HEAD:
            self._held = data
            self._loop.call_soon(self.flush)
        else:
            self._send([data])

    def writelines(self, list_of_data: Iterable[Buffer]) -> None:
        parts = [d for d in list_of_data if d]
        if parts:
            held, self._held = self._held, None
            self._send([held, *parts] if held is not None else parts)

    def flush(self) -> None:
        """Send a held head now (a no-op when none is)."""
        held, self._held = self._held, None
        if held is not None:
            self._send([held])

    def _send(self, parts: list[Buffer]) -> None:
        if not self._inner.is_closing():
            self._inner.writelines(parts)

    def close(self) -> None:
        self.flush()
        self._inner.close()

    def abort(self) -> None:
        self._held = None
        self._inner.abort()

    def write_eof(self) -> None:
        self.flush()
        self._inner.write_eof()

    def can_write_eof(self) -> bool:
        return self._inner.can_write_eof()

    def is_closing(self) -> bool:
        return self._inner.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._inner.get_extra_info(name, default)

    def pause_reading(self) -> None:
        self._inner.pause_reading()

    def resume_reading(self) -> None:
        self._inner.resume_reading()

    def is_reading(self) -> bool:
        return self._inner.is_reading()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._inner.set_write_buffer_limits(high, low)

    def get_write_buffer_size(self) -> int:
        return self._inner.get_write_buffer_size() + (len(self._held) if self._held else 0)

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._inner.get_write_buffer_limits()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._inner.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._inner.get_protocol()


class CorkedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol on a `CorkedTransport`."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without deriving from it
        super().connection_made(CorkedTransport(cast(asyncio.Transport, transport), self.loop))
