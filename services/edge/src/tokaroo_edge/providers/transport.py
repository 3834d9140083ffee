"""What every provider transport shares: one pooled aiohttp session per provider, JSON posts and
SSE streams, and the mapping of transport errors and HTTP error bodies to `UpstreamFailure`.

aiohttp rather than httpx: at concurrency 32, httpx/httpcore/anyio cost 1-2 ms of event-loop CPU
per upstream call, aiohttp 0.1-0.2 ms, and the edge is bound by that one loop."""

from __future__ import annotations

import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson
from opentelemetry import propagate
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer

from tokaroo_edge.providers.base import Json, UpstreamFailure
from tokaroo_edge.providers.openai_wire import parse_sse_line

FailureFromBody = Callable[[Any, int], UpstreamFailure]
"""Turns a provider's error body and HTTP status into a failure (each wire format has one)."""

MAX_CONNECTIONS = 512
KEEPALIVE_S = 4.0
"""Idle pooled connections are dropped before common servers drop them (uvicorn after 5 s):
a POST is not retried by aiohttp, so reusing a connection the server is closing would fail."""

MAX_ANSWER_BYTES = 64 << 20
"""An upstream answer (a whole body, or one SSE line) larger than this is a protocol failure,
not something to hold in memory: no chat or embeddings answer comes near it."""

JSON_HEADERS = {"content-type": "application/json"}
SSE_HEADERS = {"content-type": "application/json", "accept": "text/event-stream"}


@dataclass(frozen=True)
class Timeouts:
    connect_s: float
    first_token_s: float
    total_s: float


def client_timeout(timeouts: Timeouts) -> aiohttp.ClientTimeout:
    """A connect timeout, then at most `first_token_s` of silence between two reads, as with
    httpx before. No total: a long stream is fine as long as it keeps talking. aiohttp's
    `connect` also covers waiting for a free pooled connection, which httpx bounded with its
    pool timeout (`first_token_s`), hence the sum."""
    return aiohttp.ClientTimeout(
        total=None,
        connect=timeouts.connect_s + timeouts.first_token_s,
        sock_connect=timeouts.connect_s,
        sock_read=timeouts.first_token_s,
    )


def env_proxy(url: str) -> str | None:
    """The proxy that HTTP(S)_PROXY / NO_PROXY name for `url`, as httpx honoured them. Read once
    per session: aiohttp's `trust_env` would read them (and ~/.netrc) on every request."""
    parts = urlsplit(url)
    if parts.hostname and urllib.request.proxy_bypass(parts.hostname):
        return None
    return urllib.request.getproxies().get(parts.scheme)


def json_or_fail(status: int, content: bytes, to_failure: FailureFromBody) -> Json:
    try:
        body = orjson.loads(content) if content else {}
    except orjson.JSONDecodeError:
        body = {}
    if status >= 400:
        raise to_failure(body, status)
    if not isinstance(body, dict):
        raise UpstreamFailure("protocol", status=status, retryable=True, detail="not an object")
    return body


def describe(exc: BaseException) -> str:
    """An exception for the logs. Not `repr`: aiohttp's `ClientResponseError` shows the request
    headers there, and so the provider's API key."""
    return f"{type(exc).__name__}: {exc}"


@contextmanager
def connect_errors() -> Iterator[None]:
    """Failures before the whole answer (or a stream's headers) arrived: all retryable on
    another candidate. aiohttp's timeouts are `TimeoutError`s, some also `ClientError`s."""
    try:
        yield
    except TimeoutError as exc:
        raise UpstreamFailure("timeout", retryable=True, detail=describe(exc)) from exc
    except aiohttp.ClientError as exc:
        raise UpstreamFailure("connect", retryable=True, detail=describe(exc)) from exc


@contextmanager
def stream_errors() -> Iterator[None]:
    """Failures while reading a stream: a timeout, a broken connection, a bad event."""
    try:
        yield
    except TimeoutError as exc:
        raise UpstreamFailure("timeout", retryable=True, detail=describe(exc)) from exc
    except aiohttp.ClientError as exc:
        raise UpstreamFailure("protocol", retryable=True, detail=describe(exc)) from exc
    except orjson.JSONDecodeError as exc:
        raise UpstreamFailure("protocol", retryable=True, detail="bad event") from exc


class UpstreamClient:
    """One provider's pooled HTTP client. The aiohttp session is made on first use, because it
    must be made inside the running event loop; `aclose` closes it (at the app's shutdown)."""

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        timeouts: Timeouts,
        tracer: Tracer | None = None,
    ) -> None:
        # Concatenated with each path: aiohttp's own base_url cannot carry a path prefix
        # such as OpenAI's /v1 or Gemini's /v1beta.
        self._base_url = base_url.rstrip("/")
        self._headers = dict(headers)
        self._timeouts = timeouts
        self._tracer = tracer
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            if self._closed:
                raise RuntimeError("the upstream client is closed")
            self._session = self._new_session()
        return self._session

    def _new_session(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(limit=MAX_CONNECTIONS, keepalive_timeout=KEEPALIVE_S)
        # No cookie jar: API calls authenticate with headers, and one jar shared by every
        # tenant's requests is of no use and costs a lookup per request.
        return aiohttp.ClientSession(
            headers=self._headers,
            connector=connector,
            timeout=client_timeout(self._timeouts),
            cookie_jar=aiohttp.DummyCookieJar(),
            proxy=env_proxy(self._base_url),
        )

    async def aclose(self) -> None:
        self._closed = True
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def post_json(self, path: str, body: Json, to_failure: FailureFromBody) -> Json:
        with connect_errors():
            resp = await self._send(path, body, JSON_HEADERS)
            try:
                content = await read_capped(resp)
            finally:
                resp.release()  # back to the pool (a no-op once the whole body was read)
        return json_or_fail(resp.status, content, to_failure)

    async def open_stream(
        self, path: str, body: Json, to_failure: FailureFromBody
    ) -> aiohttp.ClientResponse:
        """Send a streaming request; an HTTP error status is read, released and raised.
        The caller calls `resp.release()` in a `finally`: a finished stream's connection goes
        back to the pool, an unfinished one (the consumer stopped early) is closed."""
        with connect_errors():
            resp = await self._send(path, body, SSE_HEADERS)
        if resp.status >= 400:
            try:
                with stream_errors():
                    content = await read_capped(resp)
            finally:
                resp.release()
            json_or_fail(resp.status, content, to_failure)
        return resp

    async def _send(
        self, path: str, body: Json, headers: Mapping[str, str]
    ) -> aiohttp.ClientResponse:
        """POST until the response headers arrived; a client span around it when tracing."""
        url = self._base_url + path
        data = orjson.dumps(body)
        if self._tracer is None:
            return await self._post(url, data, headers)
        with self._tracer.start_as_current_span(
            "POST",
            kind=SpanKind.CLIENT,
            attributes={"http.request.method": "POST", "url.full": url},
        ) as span:
            traced = dict(headers)
            propagate.inject(traced)  # W3C traceparent: the upstream's work joins the trace
            resp = await self._post(url, data, traced)
            span.set_attribute("http.response.status_code", resp.status)
            if resp.status >= 400:
                span.set_status(Status(StatusCode.ERROR))
            return resp

    async def _post(
        self, url: str, data: bytes, headers: Mapping[str, str]
    ) -> aiohttp.ClientResponse:
        # No redirects, as with httpx: a POST must not silently turn into a GET elsewhere.
        return await self._client().post(url, data=data, headers=headers, allow_redirects=False)


def _too_large() -> UpstreamFailure:
    return UpstreamFailure(
        "protocol", retryable=True, detail=f"answer over {MAX_ANSWER_BYTES} bytes"
    )


async def read_capped(resp: aiohttp.ClientResponse, limit: int = MAX_ANSWER_BYTES) -> bytes:
    """The whole body, refused past `limit` bytes (announced or read)."""
    if resp.content_length is not None:
        if resp.content_length > limit:
            raise _too_large()
        return await resp.read()
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_any():
        size += len(chunk)
        if size > limit:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


async def sse_lines(
    chunks: AsyncIterator[bytes], limit: int = MAX_ANSWER_BYTES
) -> AsyncIterator[bytes]:
    """The lines of a byte stream without their ends (LF, CRLF or CR, as SSE allows), of any
    length: aiohttp's `readline` gives up past twice its read buffer size, and one event (a big
    tool call, a long answer in one piece) can be longer."""
    pending: list[bytes] = []  # the start of a line not ended yet, kept in pieces
    pending_size = 0
    async for chunk in chunks:
        # A held CR may be the first half of a CRLF: only the next byte tells.
        if (
            b"\n" not in chunk
            and b"\r" not in chunk
            and not (pending and pending[-1].endswith(b"\r"))
        ):
            pending.append(chunk)
            pending_size += len(chunk)
            if pending_size > limit:
                raise _too_large()
            continue
        lines = b"".join((*pending, chunk)).splitlines(keepends=True)
        pending = [] if lines[-1].endswith(b"\n") else [lines.pop()]
        pending_size = len(pending[0]) if pending else 0
        if pending_size > limit:
            raise _too_large()
        for line in lines:
            yield line.rstrip(b"\r\n")
    if pending:
        yield b"".join(pending).rstrip(b"\r\n")


DONE = None


async def sse_events(resp: aiohttp.ClientResponse) -> AsyncIterator[Json | None]:
    """The JSON objects of an SSE response's `data:` lines; `DONE` (None) for `[DONE]`."""
    async for line in sse_lines(resp.content.iter_any()):
        data = parse_sse_line(line.decode("utf-8", "replace"))
        if not data:
            continue
        if data == "[DONE]":
            yield DONE
            continue
        event = orjson.loads(data)
        if not isinstance(event, dict):
            raise UpstreamFailure("protocol", retryable=True, detail="not an object")
        yield event
