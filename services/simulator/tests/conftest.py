from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import orjson
import pytest
from tokaroo_simulator import Settings, create_app

ClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def make_client() -> ClientFactory:
    @asynccontextmanager
    async def make(**settings: Any) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=create_app(Settings(**settings)))
        async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
            yield client

    return make


@pytest.fixture
async def client(make_client: ClientFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client() as c:
        yield c


def _sse_data(text: str) -> list[Any]:
    """The JSON payloads of an SSE body (`[DONE]` kept as the string)."""
    out: list[Any] = []
    for line in text.splitlines():
        if line.startswith("data: "):
            payload = line[6:]
            out.append(payload if payload == "[DONE]" else orjson.loads(payload))
    return out


def _sse_events(text: str) -> list[tuple[str, Any]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], orjson.loads(lines["data"])))
    return events


@pytest.fixture
def sse_data() -> Callable[[str], list[Any]]:
    return _sse_data


@pytest.fixture
def sse_events() -> Callable[[str], list[tuple[str, Any]]]:
    return _sse_events
