"""The corked transport: a response head leaves with its body, nothing is lost or reordered;
and uvicorn on uvloop, as the edge runs, serving through it (a whole answer, a stream,
keep-alive, a 400 from the parser)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable

import httpx
import uvicorn
import uvloop
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route
from tokaroo_edge.corked import Buffer, CorkedHttpToolsProtocol, CorkedTransport


class Recording(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[bytes]] = []
        self.closed = False
        self.aborted = False

    def writelines(self, list_of_data: Iterable[Buffer]) -> None:
        self.calls.append([bytes(d) for d in list_of_data])

    def write(self, data: Buffer) -> None:
        self.calls.append([bytes(data)])

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def get_write_buffer_size(self) -> int:
        return 0


HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"


async def test_a_head_leaves_with_its_body_in_one_call() -> None:
    inner = Recording()
    corked = CorkedTransport(inner, asyncio.get_running_loop())
    corked.write(HEAD)
    assert inner.calls == []
    assert corked.get_write_buffer_size() == len(HEAD)
    corked.write(b"")
    corked.write(b"{}")
    assert inner.calls == [[HEAD, b"{}"]]
    corked.write(b"more")  # nothing held: straight through, no waiting for the turn's end
    assert inner.calls[-1] == [b"more"]
    corked.write(HEAD)
    corked.writelines([b"{", b"", b"}"])
    assert inner.calls[-1] == [HEAD, b"{", b"}"]
    await asyncio.sleep(0)  # the flushes scheduled for the heads find nothing held
    assert len(inner.calls) == 3


async def test_a_head_alone_leaves_at_the_end_of_its_turn() -> None:
    inner = Recording()
    corked = CorkedTransport(inner, asyncio.get_running_loop())
    corked.write(HEAD)  # a stream whose first chunk is not there yet
    await asyncio.sleep(0)
    assert inner.calls == [[HEAD]]


async def test_close_sends_the_held_head_first_and_abort_drops_it() -> None:
    inner = Recording()
    corked = CorkedTransport(inner, asyncio.get_running_loop())
    corked.write(HEAD)
    corked.close()
    assert inner.calls == [[HEAD]] and inner.closed
    await asyncio.sleep(0)
    assert len(inner.calls) == 1

    inner2 = Recording()
    corked2 = CorkedTransport(inner2, asyncio.get_running_loop())
    corked2.write(HEAD)
    corked2.abort()
    await asyncio.sleep(0)
    assert inner2.calls == [] and inner2.aborted


async def test_nothing_is_written_to_a_closing_transport() -> None:
    inner = Recording()
    corked = CorkedTransport(inner, asyncio.get_running_loop())
    corked.write(HEAD)
    inner.closed = True
    await asyncio.sleep(0)
    corked.write(b"too late")
    assert inner.calls == []


async def _whole(request: Request) -> JSONResponse:
    return JSONResponse({"echo": (await request.body()).decode()})


async def _chunks() -> AsyncIterator[bytes]:
    for i in range(3):
        yield f"data: {i}\n\n".encode()
        await asyncio.sleep(0.01)


async def _stream(_: Request) -> StreamingResponse:
    return StreamingResponse(_chunks(), media_type="text/event-stream")


@contextlib.asynccontextmanager
async def _server() -> AsyncIterator[str]:
    app = Starlette(routes=[Route("/whole", _whole, methods=["POST"]), Route("/stream", _stream)])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app, http=CorkedHttpToolsProtocol, log_config=None, access_log=False, lifespan="off"
    )
    srv = uvicorn.Server(config)
    task = asyncio.create_task(srv.serve(sockets=[sock]))
    while not srv.started:
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        srv.should_exit = True
        await task


def _on_uvloop(scenario: Callable[[str], Awaitable[None]]) -> None:
    """The edge serves on uvloop, whose transports are not asyncio's classes."""

    async def run() -> None:
        assert isinstance(asyncio.get_running_loop(), uvloop.Loop)
        async with _server() as url:
            await scenario(url)

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(run())


async def _whole_and_stream(url: str) -> None:
    async with httpx.AsyncClient(base_url=url) as client:
        for i in range(3):  # one keep-alive connection, several requests
            r = await client.post("/whole", content=f"body {i}")
            assert r.status_code == 200 and r.json() == {"echo": f"body {i}"}
        async with client.stream("GET", "/stream") as s:
            lines = [line async for line in s.aiter_lines() if line]
        assert lines == ["data: 0", "data: 1", "data: 2"]


async def _malformed(url: str) -> None:
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(b"NOT HTTP AT ALL\r\n\r\n")
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=5)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 400")


def test_uvicorn_serves_through_the_corked_transport() -> None:
    _on_uvloop(_whole_and_stream)


def test_a_malformed_request_still_gets_its_400() -> None:
    _on_uvloop(_malformed)
