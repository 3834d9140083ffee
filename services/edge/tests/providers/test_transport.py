"""The transport's pure parts: splitting a byte stream into SSE lines wherever the network cut
it, the proxy it reads from the environment, and a client made before any event loop runs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tokaroo_edge.providers.base import UpstreamFailure
from tokaroo_edge.providers.openai_compat import OpenAICompatProvider
from tokaroo_edge.providers.transport import (
    Timeouts,
    env_proxy,
    read_capped,
    sse_lines,
)

FIXTURES = Path(__file__).parent / "fixtures"
STREAMS = sorted(FIXTURES.glob("*/*.sse"))


async def feed(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def lines_of(chunks: list[bytes]) -> list[bytes]:
    return [line async for line in sse_lines(feed(chunks))]


def cut(payload: bytes, size: int) -> list[bytes]:
    return [payload[i : i + size] for i in range(0, len(payload), size)]


@pytest.mark.parametrize("size", [1, 2, 7, 64, 1 << 20])
@pytest.mark.parametrize("path", STREAMS, ids=[f"{p.parent.name}/{p.name}" for p in STREAMS])
async def test_lines_do_not_depend_on_where_the_stream_was_cut(path: Path, size: int) -> None:
    payload = path.read_bytes()  # Gemini's fixtures end lines with CRLF, the others with LF
    assert await lines_of(cut(payload, size)) == payload.splitlines()


@pytest.mark.parametrize(
    ("chunks", "lines"),
    [
        ([b"data: a\r", b"\ndata: b\n"], [b"data: a", b"data: b"]),  # CRLF cut in two
        ([b"data: a\r", b"data: b\r"], [b"data: a", b"data: b"]),  # CR alone ends a line too
        ([b"data: a\rdata: b\r\rdata: c"], [b"data: a", b"data: b", b"", b"data: c"]),
        ([b"da", b"ta", b": x"], [b"data: x"]),  # no line end before EOF: the rest is a line
        ([b"\n\n"], [b"", b""]),
        ([], []),
    ],
)
async def test_line_ends(chunks: list[bytes], lines: list[bytes]) -> None:
    assert await lines_of(chunks) == lines


async def test_a_line_in_many_pieces_is_joined_once() -> None:
    line = b"data: " + b"x" * 3_000_000
    assert await lines_of([*cut(line, 1000), b"\n"]) == [line]


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("http_proxy", "https_proxy", "no_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch


def test_proxy_from_the_environment(no_proxy_env: pytest.MonkeyPatch) -> None:
    assert env_proxy("https://api.openai.com/v1") is None
    no_proxy_env.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    assert env_proxy("https://api.openai.com/v1") == "http://proxy.internal:3128"
    assert env_proxy("http://127.0.0.1:8000/v1") is None  # only https goes through it
    no_proxy_env.setenv("NO_PROXY", "api.openai.com")
    assert env_proxy("https://api.openai.com/v1") is None


def test_a_provider_is_made_outside_an_event_loop() -> None:
    """Providers are made when the app is built, before its event loop runs."""
    provider = OpenAICompatProvider("http://127.0.0.1:9/v1", "sk", Timeouts(1.0, 1.0, 1.0))
    asyncio.run(provider.aclose())  # closing a client that never sent anything


class _Body:
    """The parts of a response `read_capped` uses."""

    def __init__(self, chunks: list[bytes], announced: int | None) -> None:
        self.content_length = announced
        self._chunks = chunks

    async def chunks(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk


async def test_answers_past_the_cap_are_a_retryable_protocol_failure() -> None:
    assert await read_capped(_Body([b"ab", b"cd"], None), limit=4) == b"abcd"
    assert await read_capped(_Body([b"abcd"], 4), limit=4) == b"abcd"
    for body in (_Body([b"abc", b"de"], None), _Body([b"abcde"], 5)):
        with pytest.raises(UpstreamFailure) as info:
            await read_capped(body, limit=4)
        assert info.value.kind == "protocol" and info.value.retryable
    with pytest.raises(UpstreamFailure):
        [line async for line in sse_lines(feed([b"data: ", b"x" * 10, b"y" * 10]), limit=16)]
    ok = [line async for line in sse_lines(feed([b"data: 1\n", b"data: 2\n"]), limit=8)]
    assert ok == [b"data: 1", b"data: 2"]
