"""What every provider transport shares: one pooled httpx client, JSON posts and SSE streams,
and the mapping of transport errors and HTTP error bodies to `UpstreamFailure`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from tokaroo_edge.providers.base import Json, UpstreamFailure
from tokaroo_edge.providers.openai_wire import parse_sse_line

FailureFromBody = Callable[[Any, int], UpstreamFailure]
"""Turns a provider's error body and HTTP status into a failure (each wire format has one)."""


@dataclass(frozen=True)
class Timeouts:
    connect_s: float
    first_token_s: float
    total_s: float


def new_client(base_url: str, headers: dict[str, str], timeouts: Timeouts,
               transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url.rstrip("/"), transport=transport, headers=headers,
        timeout=httpx.Timeout(timeouts.first_token_s, connect=timeouts.connect_s),
        limits=httpx.Limits(max_connections=512, max_keepalive_connections=128))


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


@contextmanager
def connect_errors() -> Iterator[None]:
    """Failures before any byte of the answer: all retryable on another candidate."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise UpstreamFailure("timeout", retryable=True, detail=repr(exc)) from exc
    except httpx.TransportError as exc:
        raise UpstreamFailure("connect", retryable=True, detail=repr(exc)) from exc


@contextmanager
def stream_errors() -> Iterator[None]:
    """Failures while reading a stream: a timeout, a broken connection, a bad event."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise UpstreamFailure("timeout", retryable=True, detail=repr(exc)) from exc
    except httpx.TransportError as exc:
        raise UpstreamFailure("protocol", retryable=True, detail=repr(exc)) from exc
    except orjson.JSONDecodeError as exc:
        raise UpstreamFailure("protocol", retryable=True, detail="bad event") from exc


async def post_json(client: httpx.AsyncClient, path: str, body: Json,
                    to_failure: FailureFromBody) -> Json:
    with connect_errors():
        resp = await client.post(path, content=orjson.dumps(body),
                                 headers={"content-type": "application/json"})
    return json_or_fail(resp.status_code, resp.content, to_failure)


async def open_stream(client: httpx.AsyncClient, request: httpx.Request,
                      to_failure: FailureFromBody) -> httpx.Response:
    """Send a streaming request; an HTTP error status is read, closed and raised."""
    with connect_errors():
        resp = await client.send(request, stream=True)
    if resp.status_code >= 400:
        try:
            with stream_errors():
                content = await resp.aread()
        finally:
            await resp.aclose()
        json_or_fail(resp.status_code, content, to_failure)
    return resp


DONE = None


async def sse_events(resp: httpx.Response) -> AsyncIterator[Json | None]:
    """The JSON objects of an SSE response's `data:` lines; `DONE` (None) for `[DONE]`."""
    async for line in resp.aiter_lines():
        data = parse_sse_line(line)
        if not data:
            continue
        if data == "[DONE]":
            yield DONE
            continue
        event = orjson.loads(data)
        if not isinstance(event, dict):
            raise UpstreamFailure("protocol", retryable=True, detail="not an object")
        yield event
