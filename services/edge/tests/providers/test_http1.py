"""The upstream HTTP/1.1 client against raw servers on 127.0.0.1: how bodies are delimited and
decoded, keep-alive and its limits, timeouts, failures, flow control, TLS and proxies."""

from __future__ import annotations

import asyncio
import base64
import gzip
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest
import trustme
from tokaroo_edge.providers.http1 import (
    HIGH_WATER,
    HttpError,
    Origin,
    Pool,
    Response,
    header_block,
    origin_of,
    proxy_of,
)

Reader = asyncio.StreamReader
Writer = asyncio.StreamWriter
KEY = "sk-test-secret"


@dataclass
class Server:
    port: int
    connections: int = 0
    heads: list[bytes] = field(default_factory=list)


async def read_request(reader: asyncio.StreamReader, server: Server) -> bytes:
    """One request's head and body (by its content-length); b"" at EOF."""
    head = await reader.readuntil(b"\r\n\r\n") if not reader.at_eof() else b""
    server.heads.append(head)
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return await reader.readexactly(length) if length else b""


def answer(body: bytes, *extra: str, status: str = "200 OK") -> bytes:
    headers = "".join(f"{h}\r\n" for h in extra)
    return f"HTTP/1.1 {status}\r\ncontent-length: {len(body)}\r\n{headers}\r\n".encode() + body


@asynccontextmanager
async def serving(
    respond: Callable[[Server, int, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
    ssl_context: ssl.SSLContext | None = None,
) -> AsyncIterator[Server]:
    """A server that gives each connection (numbered from 0) to `respond`."""
    server = Server(port=0)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        number = server.connections
        server.connections += 1
        try:
            await respond(server, number, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the client left, or the test ended
        finally:
            writer.close()

    listening = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=ssl_context)
    server.port = listening.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        listening.close()


def echo_forever(
    *extra: str,
) -> Callable[[Server, int, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
    """Answer every request on a connection with its own body."""

    async def respond(server: Server, _: int, reader: Reader, writer: Writer) -> None:
        while not reader.at_eof():
            body = await read_request(reader, server)
            writer.write(answer(body, *extra))
            await writer.drain()

    return respond


def pool_to(
    origin: Origin,
    *,
    read_timeout_s: float = 5.0,
    max_connections: int = 8,
    keepalive_s: float = 5.0,
    **kw: object,
) -> Pool:
    return Pool(
        origin,
        connect_timeout_s=5.0,
        read_timeout_s=read_timeout_s,
        max_connections=max_connections,
        keepalive_s=keepalive_s,
        **kw,  # type: ignore[arg-type]
    )


def pool_for(port: int, *, scheme: str = "http", **kw: object) -> Pool:
    """A pool for a server of this test on 127.0.0.1 (by the name `localhost` over TLS, the
    name its certificate holds)."""
    host = "127.0.0.1" if scheme == "http" else "localhost"
    return pool_to(Origin(scheme, host, port), **kw)


async def body_of(resp: Response) -> bytes:
    return b"".join([piece async for piece in resp.chunks()])


async def post(pool: Pool, body: bytes = b"{}", path: str = "/v1/x") -> tuple[int, bytes]:
    resp = await pool.request("POST", path, header_block({"authorization": KEY}), body)
    try:
        return resp.status, await body_of(resp)
    finally:
        resp.release()


# ---- the request and how the answer is delimited ---------------------------------------------


async def test_request_head_and_keep_alive() -> None:
    async with serving(echo_forever()) as server:
        pool = pool_for(server.port)
        for i in range(3):
            assert await post(pool, f'{{"n":{i}}}'.encode()) == (200, f'{{"n":{i}}}'.encode())
        await pool.aclose()
    assert server.connections == 1
    head = server.heads[0].decode()
    assert head.startswith("POST /v1/x HTTP/1.1\r\nhost: 127.0.0.1:")
    assert f"authorization: {KEY}\r\n" in head and "content-length: 7\r\n" in head


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4\r\nhell\r\n1\r\no\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nhello",  # until the server closes
        b"HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n" + answer(b"hello"),
    ],
    ids=["chunked", "until-close", "interim-answer-first"],
)
async def test_bodies(raw: bytes) -> None:
    async def respond(server: Server, _: int, reader: Reader, writer: Writer) -> None:
        await read_request(reader, server)
        for i in range(0, len(raw), 7):  # in small pieces
            writer.write(raw[i : i + 7])
            await writer.drain()
        if b"connection: close" in raw:
            writer.close()

    async with serving(respond) as server:
        pool = pool_for(server.port)
        assert await post(pool) == (200, b"hello")
        await pool.aclose()


async def test_gzip_answer_is_decoded() -> None:
    packed = gzip.compress(b'{"answer": "' + b"x" * 10_000 + b'"}')

    async def respond(server: Server, _: int, reader: Reader, writer: Writer) -> None:
        await read_request(reader, server)
        writer.write(answer(packed, "content-encoding: gzip"))

    async with serving(respond) as server:
        pool = pool_for(server.port)
        status, body = await post(pool)
        await pool.aclose()
    assert status == 200 and body == b'{"answer": "' + b"x" * 10_000 + b'"}'


async def test_answers_that_close_the_connection_are_not_reused() -> None:
    async with serving(echo_forever("connection: close")) as server:
        pool = pool_for(server.port)
        for _ in range(2):
            assert await post(pool) == (200, b"{}")
        await pool.aclose()
    assert server.connections == 2


async def test_idle_connections_expire() -> None:
    async with serving(echo_forever()) as server:
        pool = pool_for(server.port, keepalive_s=0.05)
        await post(pool)
        await asyncio.sleep(0.1)
        await post(pool)
        await pool.aclose()
    assert server.connections == 2


async def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    async def respond(server: Server, _: int, reader: Reader, writer: Writer) -> None:
        await read_request(reader, server)
        writer.write(answer(b"ok"))  # keep-alive by HTTP/1.1's default, then closed
        await writer.drain()

    async with serving(respond) as server:
        pool = pool_for(server.port)
        assert await post(pool) == (200, b"ok")
        await asyncio.sleep(0.1)  # the close reaches the client
        assert await post(pool) == (200, b"ok")
        await pool.aclose()
    assert server.connections == 2


# ---- limits and timeouts ---------------------------------------------------------------------


async def test_at_most_max_connections_then_requests_wait() -> None:
    release = asyncio.Event()

    async def respond(server: Server, _: int, reader: Reader, writer: Writer) -> None:
        while not reader.at_eof():
            await read_request(reader, server)
            await release.wait()
            writer.write(answer(b"ok"))
            await writer.drain()

    async with serving(respond) as server:
        pool = pool_for(server.port, max_connections=2)
        calls = [asyncio.create_task(post(pool)) for _ in range(3)]
        await asyncio.sleep(0.1)
        assert server.connections == 2  # the third request waits for a free connection
        release.set()
        assert await asyncio.gather(*calls) == [(200, b"ok")] * 3
        await pool.aclose()
    assert server.connections == 2


async def test_waiting_for_a_free_connection_times_out() -> None:
    async def respond(server: Server, _: int, reader: Reader, writer: Writer) -> None:
        await read_request(reader, server)
        await asyncio.sleep(5)

    async with serving(respond) as server:
        pool = pool_for(server.port, max_connections=1, read_timeout_s=0.2)
        first = asyncio.create_task(post(pool))
        await asyncio.sleep(0.05)
        with pytest.raises(TimeoutError):
            await post(pool)
        with pytest.raises(TimeoutError):
            await first
        await pool.aclose()


async def test_silence_between_reads_times_out() -> None:
    async def respond(server: Server, _: int, reader: Reader, writer: Writer) -> None:
        await read_request(reader, server)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhello")
        await writer.drain()
        await asyncio.sleep(5)

    async with serving(respond) as server:
        pool = pool_for(server.port, read_timeout_s=0.2)
        resp = await pool.request("POST", "/", b"", b"")
        with pytest.raises(TimeoutError):
            await body_of(resp)
        resp.release()
        await pool.aclose()


async def test_cancelled_request_closes_its_connection_and_frees_its_slot() -> None:
    async def respond(server: Server, number: int, reader: Reader, writer: Writer) -> None:
        await read_request(reader, server)
        if number == 0:
            await reader.read()  # never answers; sees the client close
            return
        writer.write(answer(b"ok"))
        await writer.drain()

    async with serving(respond) as server:
        pool = pool_for(server.port, max_connections=1)
        call = asyncio.create_task(post(pool))
        await asyncio.sleep(0.05)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        assert await asyncio.wait_for(post(pool), timeout=2) == (200, b"ok")
        await pool.aclose()
    assert server.connections == 2


# ---- failures --------------------------------------------------------------------------------


async def test_refused_connection() -> None:
    async with serving(echo_forever()) as server:
        port = server.port
    pool = pool_for(port)
    with pytest.raises(HttpError, match="cannot connect"):
        await post(pool)


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 200 OK\r\nno colon in this header\r\n\r\n",
        b"SMTP ready\r\n\r\n",
        b"HTTP/1.1 200 OK\r\ncontent-encoding: br\r\ncontent-length: 2\r\n\r\nxx",
    ],
    ids=["bad-header", "not-http", "unknown-encoding"],
)
async def test_malformed_answers_fail_without_the_request_headers(raw: bytes) -> None:
    async def respond(server: Server, _: int, reader: Reader, writer: Writer) -> None:
        await read_request(reader, server)
        writer.write(raw)
        await writer.drain()
        await asyncio.sleep(1)

    async with serving(respond) as server:
        pool = pool_for(server.port)
        with pytest.raises(HttpError) as info:
            await post(pool)
        await pool.aclose()
    assert KEY not in str(info.value)


async def test_body_cut_short_fails() -> None:
    async def respond(server: Server, _: int, reader: Reader, writer: Writer) -> None:
        await read_request(reader, server)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhello")
        await writer.drain()

    async with serving(respond) as server:
        pool = pool_for(server.port)
        resp = await pool.request("POST", "/", b"", b"")
        pieces = []
        with pytest.raises(HttpError, match="closed before"):
            async for piece in resp.chunks():
                pieces.append(piece)
        resp.release()
        await pool.aclose()
    assert b"".join(pieces) == b"hello"  # what arrived is delivered before the failure


@pytest.mark.parametrize(
    "headers",
    [{"x-a": "1\r\nx-injected: 2"}, {"x-a\n": "1"}, {"": "1"}, {"x:y": "1"}, {"x-a": "\0"}],
)
def test_header_injection_is_refused(headers: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        header_block(headers)


def test_urls() -> None:
    openai = Origin("https", "api.openai.com", 443)
    assert origin_of("https://api.openai.com/v1/") == (openai, "/v1")
    assert origin_of("http://[::1]:8080") == (Origin("http", "::1", 8080), "")
    assert Origin("http", "::1", 8080).netloc == "[::1]:8080"
    assert Origin("https", "api.openai.com", 443).netloc == "api.openai.com"
    with pytest.raises(ValueError):
        origin_of("ftp://example.com")
    proxy = proxy_of("http://us%40r:p%3Ass@proxy.internal:3128")
    assert proxy.origin == Origin("http", "proxy.internal", 3128)
    assert base64.b64decode(proxy.authorization.removeprefix("Basic ")) == b"us@r:p:ss"
    assert proxy_of("http://proxy.internal:3128").authorization == ""


# ---- flow control ----------------------------------------------------------------------------


async def test_a_slow_reader_gets_a_large_body_whole() -> None:
    big = bytes(range(256)) * (3 * HIGH_WATER // 256)

    async def respond(server: Server, _: int, reader: Reader, writer: Writer) -> None:
        await read_request(reader, server)
        writer.write(answer(big))
        await writer.drain()

    async with serving(respond) as server:
        pool = pool_for(server.port)
        resp = await pool.request("POST", "/", b"", b"")
        got = []
        async for piece in resp.chunks():
            got.append(piece)
            await asyncio.sleep(0.001)
        resp.release()
        await pool.aclose()
    assert b"".join(got) == big


# ---- TLS and proxies -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def tls_pair(ca: trustme.CA) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return server, client


async def test_https(ca: trustme.CA) -> None:
    server_tls, client_tls = tls_pair(ca)
    async with serving(echo_forever(), ssl_context=server_tls) as server:
        pool = pool_for(server.port, scheme="https", ssl_context=client_tls)
        assert await post(pool, b"secret") == (200, b"secret")
        assert await post(pool, b"again") == (200, b"again")
        await pool.aclose()
    assert server.connections == 1


async def test_https_refuses_an_untrusted_certificate(ca: trustme.CA) -> None:
    server_tls, _ = tls_pair(ca)
    async with serving(echo_forever(), ssl_context=server_tls) as server:
        pool = pool_for(server.port, scheme="https")  # the system's CAs only
        with pytest.raises(HttpError, match="cannot connect"):
            await post(pool)


async def test_http_through_a_proxy() -> None:
    """A plain-HTTP origin through a proxy: the absolute form, with the proxy's credentials."""
    async with serving(echo_forever()) as proxy:
        pool = pool_to(
            Origin("http", "api.example", 80),
            proxy=proxy_of(f"http://me:pw@127.0.0.1:{proxy.port}"),
        )
        assert await post(pool, b"hi", path="/v1/chat") == (200, b"hi")
        await pool.aclose()
    head = proxy.heads[0].decode()
    assert head.startswith("POST http://api.example/v1/chat HTTP/1.1\r\nhost: api.example\r\n")
    assert f"proxy-authorization: Basic {base64.b64encode(b'me:pw').decode()}\r\n" in head


async def test_https_through_a_connect_tunnel(ca: trustme.CA) -> None:
    server_tls, client_tls = tls_pair(ca)
    tunnels: list[bytes] = []

    async def tunnel(server: Server, _: int, reader: Reader, writer: Writer) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        tunnels.append(head)
        port = int(head.split(b" ")[1].rsplit(b":", 1)[1])
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            while data := await src.read(65536):
                dst.write(data)
                await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    async with (
        serving(echo_forever(), ssl_context=server_tls) as origin,
        serving(tunnel) as proxy,
    ):
        pool = pool_for(
            origin.port,
            scheme="https",
            proxy=proxy_of(f"http://127.0.0.1:{proxy.port}"),
            ssl_context=client_tls,
        )
        assert await post(pool, b"through") == (200, b"through")
        await pool.aclose()
    assert tunnels[0].startswith(f"CONNECT localhost:{origin.port} HTTP/1.1\r\n".encode())
    assert origin.heads[0].startswith(b"POST /v1/x HTTP/1.1\r\nhost: localhost:")


async def test_a_proxy_that_refuses_the_tunnel() -> None:
    async def refuse(server: Server, _: int, reader: Reader, writer: Writer) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n")
        await writer.drain()

    async with serving(refuse) as proxy:
        pool = pool_to(
            Origin("https", "localhost", 443), proxy=proxy_of(f"http://127.0.0.1:{proxy.port}")
        )
        with pytest.raises(HttpError, match="refused the tunnel"):
            await post(pool)
