"""One write per turn of the event loop on each client connection.

uvicorn writes a response's status line and headers, then its body, as two `transport.write`
calls: two system calls, and two wake-ups of the client, which reads the headers alone first.
ASGI gives an app no way to hand both over at once. `CorkedHttpToolsProtocol` gives uvicorn's
own protocol a transport that keeps what is written during one turn of the event loop and
hands it to the socket in one `writelines` at the end of that turn (a `call_soon`): a whole
non-streamed answer leaves in one system call, and a stream's chunks as they come, a turn
later at most. Closing flushes first, so nothing written is lost or reordered."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

Buffer = bytes | bytearray | memoryview


class CorkedTransport(asyncio.Transport):
    """A transport whose writes leave together at the end of the loop turn they were made in."""

    def __init__(self, inner: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._inner = inner
        self._loop = loop
        self._pending: list[Buffer] = []

    def write(self, data: Buffer) -> None:
        if not data:
            return
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)

    def writelines(self, list_of_data: Iterable[Buffer]) -> None:
        for data in list_of_data:
            self.write(data)

    def flush(self) -> None:
        """Hand what is pending to the socket now (a no-op when nothing is)."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        if not self._inner.is_closing():
            self._inner.writelines(pending)

    def close(self) -> None:
        self.flush()
        self._inner.close()

    def abort(self) -> None:
        self._pending.clear()
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
        return self._inner.get_write_buffer_size() + sum(len(b) for b in self._pending)

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
