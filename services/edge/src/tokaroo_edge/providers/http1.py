"""A lean HTTP/1.1 client for the calls to providers: a keep-alive pool per origin, built on
asyncio protocols, with responses parsed by httptools (llhttp, the parser uvicorn serves with).

Why not aiohttp: one upstream call cost about 300 µs of event-loop CPU through aiohttp's
session, request and response objects, and about 60 µs here (`bench/upstream_client.py`). On a
cache miss that was the edge's largest single part.

What it does:
- any method with a body of bytes, over HTTP or HTTPS (TLS with the system's CAs, and SNI);
- an HTTP proxy: absolute-form requests for http, a CONNECT tunnel for https;
- length-delimited, chunked and until-close bodies; gzip and deflate content encodings;
- keep-alive: an idle connection is reused for `keepalive_s`, the newest first;
- at most `max_connections` open at once (a request waits for a free one);
- timeouts: connecting, and silence while waiting for the answer or between two reads.

What it does not do: redirects, cookies, HTTP/2, `Expect: 100-continue`, retries. A POST is
never sent twice: a reused connection that the server closed fails the request (retryable),
which is why idle connections are dropped before common servers drop them.

Failures are `HttpError` (refused, reset, malformed, closed early) or `TimeoutError`. Neither
message ever holds a request header, so neither holds a provider's API key."""

from __future__ import annotations

import asyncio
import base64
import ssl
import time
import zlib
from collections import deque
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import httptools

HIGH_WATER = 1 << 20
"""Bytes of a response buffered before reading from its socket pauses (a slow consumer)."""

_DEFAULT_PORTS = {"http": 80, "https": 443}
_FORBIDDEN = ("\r", "\n", "\0")


class HttpError(Exception):
    """The exchange failed below HTTP's status codes: no connection, a reset, a malformed
    answer, or a connection closed before the answer was whole."""


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str
    port: int

    @property
    def netloc(self) -> str:
        default = _DEFAULT_PORTS[self.scheme]
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


@dataclass(frozen=True)
class Proxy:
    origin: Origin
    authorization: str  # the Proxy-Authorization value, or ""


def origin_of(url: str) -> tuple[Origin, str]:
    """The origin of an absolute URL and its path prefix (without a trailing slash)."""
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    port = parts.port or _DEFAULT_PORTS[parts.scheme]
    return Origin(parts.scheme, parts.hostname, port), parts.path.rstrip("/")


def proxy_of(url: str) -> Proxy:
    """A proxy URL (`http://user:pass@host:port`) as the client uses it."""
    origin, _ = origin_of(url)
    parts = urlsplit(url)
    auth = ""
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        auth = "Basic " + base64.b64encode(pair.encode()).decode()
    return Proxy(origin, auth)


def header_block(headers: Mapping[str, str]) -> bytes:
    """Header lines, each ending in CRLF. A CR, LF or NUL in a name or value is refused: it
    would let a value start a header (or a request) of its own."""
    out = []
    for name, value in headers.items():
        if any(c in name or c in value for c in _FORBIDDEN) or not name or ":" in name:
            raise ValueError(f"header {name!r} cannot be sent")
        out.append(f"{name}: {value}\r\n")
    return "".join(out).encode("latin-1")


def _decoder(encoding: str) -> zlib._Decompress | None:
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj()
    raise HttpError(f"unsupported content encoding {encoding!r}")


class _Connection(asyncio.Protocol):
    """One connection and the response being read on it (one at a time: no pipelining)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._waiter: asyncio.Future[None] | None = None
        self._tunnel: bytearray | None = None  # a CONNECT's answer, while one is awaited
        self.reset()

    def reset(self) -> None:
        """Ready for the next response."""
        self._parser = httptools.HttpResponseParser(self)
        self._raw_headers: list[tuple[bytes, bytes]] = []
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._decode: zlib._Decompress | None = None
        self._paused = False
        self.status = 0
        self.headers: dict[str, str] = {}
        self.headers_done = False
        self.complete = False
        self.keep_alive = False
        self.error: BaseException | None = None

    # ---- asyncio.Protocol -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self._tunnel is not None:
            self._tunnel += data
            self._wake()
            return
        try:
            self._parser.feed_data(data)
        except (httptools.HttpParserError, HttpError, zlib.error) as exc:
            self._fail(HttpError(f"malformed answer: {exc}"))
            self.close()

    def eof_received(self) -> bool | None:
        return False  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.headers_done and not self.complete and self._until_close():
            self._flush_decoder()
            self.complete = True  # the body was delimited by the close
        elif not self.complete:
            reason = f": {exc}" if exc else ""
            self._fail(HttpError(f"connection closed before the answer was whole{reason}"))
        self._wake()

    # ---- httptools callbacks ----------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        self._raw_headers.append((name, value))

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if 100 <= status < 200:  # an interim answer (e.g. 103): the real one follows
            self._raw_headers = []
            return
        self.status = status
        self.headers = {
            n.decode("latin-1").lower(): v.decode("latin-1") for n, v in self._raw_headers
        }
        self._decode = _decoder(self.headers.get("content-encoding", "").strip().lower())
        self.headers_done = True
        self._wake()

    def on_body(self, body: bytes) -> None:
        if self._decode is not None:
            body = self._decode.decompress(body)
            if not body:
                return
        self._chunks.append(body)
        self._buffered += len(body)
        if self._buffered > HIGH_WATER and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        if not self.headers_done:
            return  # the end of an interim answer
        self._flush_decoder()
        self.keep_alive = self._parser.should_keep_alive()
        self.complete = True
        self._wake()

    # ---- what the pool and the response use -------------------------------------------------

    def _until_close(self) -> bool:
        return "content-length" not in self.headers and "chunked" not in self.headers.get(
            "transfer-encoding", ""
        )

    def _flush_decoder(self) -> None:
        if self._decode is not None:
            rest = self._decode.flush()
            self._decode = None
            if rest:
                self._chunks.append(rest)
                self._buffered += len(rest)

    def _fail(self, exc: BaseException) -> None:
        if self.error is None:
            self.error = exc
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait(self, timeout_s: float) -> None:
        """Until something arrives (data, the end, a failure), at most `timeout_s`."""
        waiter = self._loop.create_future()
        self._waiter = waiter
        timer = self._loop.call_later(timeout_s, _expire, waiter, timeout_s)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None

    def take(self) -> bytes | None:
        """What of the body was read and not taken yet, in one piece (None: nothing). One read
        of a chunked stream often holds many chunks (an SSE event each)."""
        if not self._chunks:
            return None
        chunks = self._chunks
        piece = chunks.popleft() if len(chunks) == 1 else b"".join(chunks)
        chunks.clear()
        self._buffered = 0
        if self._paused and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        return piece

    def send(self, data: bytes) -> None:
        if self.transport is None or self.closed or self.transport.is_closing():
            raise HttpError("connection closed before the request was sent")
        self.transport.write(data)

    def reusable(self) -> bool:
        return (
            self.complete
            and self.keep_alive
            and not self.closed
            and self.transport is not None
            and not self.transport.is_closing()
        )

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    async def tunnel(self, target: str, authorization: str, timeout_s: float) -> None:
        """Ask the proxy this connection reached for a tunnel to `target` (host:port)."""
        self._tunnel = bytearray()
        auth = f"proxy-authorization: {authorization}\r\n" if authorization else ""
        self.send(f"CONNECT {target} HTTP/1.1\r\nhost: {target}\r\n{auth}\r\n".encode("latin-1"))
        while b"\r\n\r\n" not in self._tunnel:
            if self.closed:
                raise HttpError("the proxy closed the connection")
            await self.wait(timeout_s)
        status_line = bytes(self._tunnel).split(b"\r\n", 1)[0].split()
        self._tunnel = None
        if len(status_line) < 2 or status_line[1] != b"200":
            raise HttpError(f"the proxy refused the tunnel: {status_line[1:2]!r}")


def _expire(waiter: asyncio.Future[None], timeout_s: float) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError(f"no answer from upstream for {timeout_s:g} s"))


class Response:
    """An answer whose headers arrived. Its body is read with `chunks`; `release`
    gives the connection back to the pool (a whole answer) or closes it (a partial one)."""

    def __init__(self, conn: _Connection, pool: Pool) -> None:
        self._conn = conn
        self._pool = pool
        self._released = False
        self.status = conn.status
        self.headers = conn.headers

    @property
    def content_length(self) -> int | None:
        value = self.headers.get("content-length")
        return int(value) if value is not None and value.strip().isdigit() else None

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body's pieces as they arrive (decoded); `HttpError` if it breaks off,
        `TimeoutError` after `read_timeout_s` of silence."""
        conn = self._conn
        while True:
            piece = conn.take()
            if piece is not None:
                yield piece
                continue
            if conn.complete:
                return
            if conn.error is not None:
                raise conn.error
            await conn.wait(self._pool.read_timeout_s)

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._pool.give_back(self._conn)


class Pool:
    """Keep-alive connections to one origin (through `proxy`, if given)."""

    def __init__(
        self,
        origin: Origin,
        *,
        connect_timeout_s: float,
        read_timeout_s: float,
        max_connections: int,
        keepalive_s: float,
        proxy: Proxy | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.origin = origin
        self.read_timeout_s = read_timeout_s
        self._connect_timeout_s = connect_timeout_s
        self._keepalive_s = keepalive_s
        self._proxy = proxy
        self._ssl: ssl.SSLContext | None = None
        if origin.scheme == "https":
            self._ssl = ssl_context or ssl.create_default_context()
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(max_connections)
        self._closed = False
        # What starts every request's head: through a plain-HTTP proxy, the absolute form.
        self._absolute = (
            f"{origin.scheme}://{origin.netloc}" if proxy and origin.scheme == "http" else ""
        )
        host = f"host: {origin.netloc}\r\n"
        if proxy and origin.scheme == "http" and proxy.authorization:
            host += f"proxy-authorization: {proxy.authorization}\r\n"
        self._host = host.encode("latin-1")

    async def request(self, method: str, path: str, headers: bytes, body: bytes) -> Response:
        """Send a request (`headers`: `header_block`'s lines) and wait for its answer's
        headers. `path` starts with "/"."""
        if self._closed:
            raise RuntimeError("the upstream client is closed")
        if self._slots.locked():
            async with asyncio.timeout(self.read_timeout_s):
                await self._slots.acquire()
        else:
            await self._slots.acquire()
        conn: _Connection | None = None
        try:
            conn = self._reuse() or await self._connect()
            head = f"{method} {self._absolute}{path} HTTP/1.1\r\n".encode("latin-1")
            length = f"content-length: {len(body)}\r\n\r\n".encode("latin-1")
            conn.send(b"".join((head, self._host, headers, length, body)))
            while not conn.headers_done:
                if conn.error is not None:
                    raise conn.error
                await conn.wait(self.read_timeout_s)
        except BaseException:
            if conn is not None:
                conn.close()
            self._slots.release()
            raise
        return Response(conn, self)

    def give_back(self, conn: _Connection) -> None:
        if conn.reusable() and not self._closed:
            conn.idle_since = time.monotonic()
            conn.reset()
            self._idle.append(conn)
        else:
            conn.close()
        self._slots.release()

    def _reuse(self) -> _Connection | None:
        now = time.monotonic()
        while self._idle:
            conn = self._idle.pop()
            if not conn.closed and now - conn.idle_since < self._keepalive_s:
                return conn
            conn.close()
        return None

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        via = self._proxy.origin if self._proxy else self.origin
        tunnel = self._proxy is not None and self.origin.scheme == "https"
        try:
            async with asyncio.timeout(self._connect_timeout_s):
                transport, conn = await loop.create_connection(
                    lambda: _Connection(loop),
                    via.host,
                    via.port,
                    ssl=None if tunnel else self._ssl,
                    server_hostname=self.origin.host if self._ssl and not tunnel else None,
                )
                if tunnel:
                    try:
                        await self._through(loop, transport, conn)
                    except BaseException:
                        transport.close()
                        raise
        except OSError as exc:  # refused, unreachable, no such host, a TLS failure
            raise HttpError(f"cannot connect to {via.netloc}: {exc}") from exc
        return conn

    async def _through(
        self, loop: asyncio.AbstractEventLoop, transport: asyncio.Transport, conn: _Connection
    ) -> None:
        """TLS to the origin inside a CONNECT tunnel through the proxy `conn` reached."""
        assert self._proxy is not None and self._ssl is not None
        target = f"{self.origin.host}:{self.origin.port}"
        await conn.tunnel(target, self._proxy.authorization, self._connect_timeout_s)
        tls = await loop.start_tls(transport, conn, self._ssl, server_hostname=self.origin.host)
        if tls is None:
            raise HttpError("TLS could not start in the proxy's tunnel")
        conn.transport = tls

    async def aclose(self) -> None:
        self._closed = True
        while self._idle:
            self._idle.pop().close()
