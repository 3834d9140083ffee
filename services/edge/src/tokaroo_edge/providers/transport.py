"""What every provider transport shares: one keep-alive pool per provider (`http1`), JSON posts
and SSE streams, and the mapping of transport errors and HTTP error bodies to `UpstreamFailure`.

The pool is the project's own lean HTTP/1.1 client: per upstream call, httpx/httpcore/anyio
cost 1-2 ms of event-loop CPU at concurrency 32, aiohttp about 0.3 ms, `http1` about 0.06 ms
(`bench/upstream_client.py`), and the edge is bound by that one loop."""

from __future__ import annotations

import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson
from opentelemetry import propagate
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer

from tokaroo_edge.providers.base import Json, UpstreamFailure
from tokaroo_edge.providers.http1 import (
    HttpError,
    Pool,
    Response,
    header_block,
    origin_of,
    proxy_of,
)
from tokaroo_edge.providers.openai_wire import parse_sse_line

FailureFromBody = Callable[[Any, int], UpstreamFailure]
"""Turns a provider's error body and HTTP status into a failure (each wire format has one)."""

MAX_CONNECTIONS = 512
KEEPALIVE_S = 4.0
"""Idle pooled connections are dropped before common servers drop them (uvicorn after 5 s):
a POST is never sent twice, so reusing a connection the server is closing would fail."""

MAX_ANSWER_BYTES = 64 << 20
"""An upstream answer (a whole body, or one SSE line) larger than this is a protocol failure,
not something to hold in memory: no chat or embeddings answer comes near it."""

JSON_HEADERS = {"content-type": "application/json", "accept": "application/json"}
SSE_HEADERS = {"content-type": "application/json", "accept": "text/event-stream"}
CLIENT_HEADERS = {"user-agent": "tokaroo-edge", "accept-encoding": "identity"}


@dataclass(frozen=True)
class Timeouts:
    connect_s: float
    first_token_s: float
    total_s: float


def env_proxy(url: str) -> str | None:
    """The proxy that HTTP(S)_PROXY / NO_PROXY name for `url`, as httpx honoured them. Read once,
    when the provider's client is made."""
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
    """An exception for the logs: its type and message (never a request header)."""
    return f"{type(exc).__name__}: {exc}"


@contextmanager
def connect_errors() -> Iterator[None]:
    """Failures before the whole answer (or a stream's headers) arrived: all retryable on
    another candidate."""
    try:
        yield
    except TimeoutError as exc:
        raise UpstreamFailure("timeout", retryable=True, detail=describe(exc)) from exc
    except HttpError as exc:
        raise UpstreamFailure("connect", retryable=True, detail=describe(exc)) from exc


@contextmanager
def stream_errors() -> Iterator[None]:
    """Failures while reading a stream: a timeout, a broken connection, a bad event."""
    try:
        yield
    except TimeoutError as exc:
        raise UpstreamFailure("timeout", retryable=True, detail=describe(exc)) from exc
    except HttpError as exc:
        raise UpstreamFailure("protocol", retryable=True, detail=describe(exc)) from exc
    except orjson.JSONDecodeError as exc:
        raise UpstreamFailure("protocol", retryable=True, detail="bad event") from exc


class UpstreamClient:
    """One provider's pooled HTTP client: its base URL (with any path prefix, such as OpenAI's
    /v1 or Gemini's /v1beta), its headers (the API key) and timeouts. `aclose` closes the
    idle connections (at the app's shutdown)."""

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        timeouts: Timeouts,
        tracer: Tracer | None = None,
    ) -> None:
        origin, self._prefix = origin_of(base_url)
        self._url = base_url.rstrip("/")
        self._tracer = tracer
        proxy = env_proxy(base_url)
        self._pool = Pool(
            origin,
            # Waiting for a free pooled connection is bounded by the read timeout.
            connect_timeout_s=timeouts.connect_s,
            read_timeout_s=timeouts.first_token_s,
            max_connections=MAX_CONNECTIONS,
            keepalive_s=KEEPALIVE_S,
            proxy=proxy_of(proxy) if proxy else None,
        )
        fixed = {**CLIENT_HEADERS, **headers}
        self._json_headers = header_block({**fixed, **JSON_HEADERS})
        self._sse_headers = header_block({**fixed, **SSE_HEADERS})

    async def aclose(self) -> None:
        await self._pool.aclose()

    async def post_json(self, path: str, body: Json, to_failure: FailureFromBody) -> Json:
        with connect_errors():
            resp = await self._send(path, body, stream=False)
            try:
                content = await read_capped(resp)
            finally:
                resp.release()  # back to the pool (closed instead if the body was not whole)
        return json_or_fail(resp.status, content, to_failure)

    async def open_stream(self, path: str, body: Json, to_failure: FailureFromBody) -> Response:
        """Send a streaming request; an HTTP error status is read, released and raised.
        The caller calls `resp.release()` in a `finally`: a finished stream's connection goes
        back to the pool, an unfinished one (the consumer stopped early) is closed."""
        with connect_errors():
            resp = await self._send(path, body, stream=True)
        if resp.status >= 400:
            try:
                with stream_errors():
                    content = await read_capped(resp)
            finally:
                resp.release()
            json_or_fail(resp.status, content, to_failure)
        return resp

    async def _send(self, path: str, body: Json, *, stream: bool) -> Response:
        """POST until the response headers arrived; a client span around it when tracing.
        No redirects: a POST must not silently turn into a GET elsewhere."""
        data = orjson.dumps(body)
        target = self._prefix + path
        headers = self._sse_headers if stream else self._json_headers
        if self._tracer is None:
            return await self._pool.request("POST", target, headers, data)
        url = self._url + path
        with self._tracer.start_as_current_span(
            "POST",
            kind=SpanKind.CLIENT,
            attributes={"http.request.method": "POST", "url.full": url},
        ) as span:
            traced: dict[str, str] = {}
            propagate.inject(traced)  # W3C traceparent: the upstream's work joins the trace
            resp = await self._pool.request("POST", target, headers + header_block(traced), data)
            span.set_attribute("http.response.status_code", resp.status)
            if resp.status >= 400:
                span.set_status(Status(StatusCode.ERROR))
            return resp


def _too_large() -> UpstreamFailure:
    return UpstreamFailure(
        "protocol", retryable=True, detail=f"answer over {MAX_ANSWER_BYTES} bytes"
    )


async def read_capped(resp: Response, limit: int = MAX_ANSWER_BYTES) -> bytes:
    """The whole body, refused past `limit` bytes (announced or read)."""
    announced = resp.content_length
    if announced is not None and announced > limit:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.chunks():
        size += len(chunk)
        if size > limit:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


async def sse_lines(
    chunks: AsyncIterator[bytes], limit: int = MAX_ANSWER_BYTES
) -> AsyncIterator[bytes]:
    """The lines of a byte stream without their ends (LF, CRLF or CR, as SSE allows), of any
    length: one event (a big tool call, a long answer in one piece) can be megabytes long."""
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


async def sse_events(resp: Response) -> AsyncIterator[Json | None]:
    """The JSON objects of an SSE response's `data:` lines; `DONE` (None) for `[DONE]`."""
    async for line in sse_lines(resp.chunks()):
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
