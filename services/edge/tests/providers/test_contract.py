"""One contract every provider adapter must pass, over real HTTP. Each upstream is a local
aiohttp.web server on 127.0.0.1 that serves payloads recorded in that provider's own wire format
(fixtures/<provider>/) and records each request it received, which is compared with the
expected wire request. Transport faults are real ones: a closed port, a server that stalls, a
connection closed in the middle of a stream."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from multidict import CIMultiDict
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Tracer
from tokaroo_edge.providers.anthropic import AnthropicProvider
from tokaroo_edge.providers.base import ChatProvider, Target, UpstreamFailure
from tokaroo_edge.providers.gemini import GeminiProvider
from tokaroo_edge.providers.gemini_wire import call_id
from tokaroo_edge.providers.openai_compat import OpenAICompatProvider, Timeouts
from tokaroo_edge.schemas import ChatCompletionRequest, EmbeddingRequest
from tokaroo_edge.shaping import StreamAggregate

Json = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
FIXTURES = Path(__file__).parent / "fixtures"
TIMEOUTS = Timeouts(connect_s=1.0, first_token_s=5.0, total_s=30.0)
FAST_TIMEOUTS = Timeouts(connect_s=1.0, first_token_s=0.2, total_s=5.0)
WEATHER_ARGS = {"location": "Paris", "unit": "celsius"}
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["location"],
        },
    },
}
CITY_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
    "required": ["city", "population"],
    "additionalProperties": False,
}

TEXT_REQ = {
    "model": "auto",
    "max_tokens": 64,
    "temperature": 0.2,
    "messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "What is the capital of France?"},
    ],
}
TOOLS_REQ = {
    "model": "auto",
    "tools": [WEATHER_TOOL],
    "tool_choice": "auto",
    "messages": [{"role": "user", "content": "What is the weather in Paris?"}],
}
JSON_REQ = {
    "model": "auto",
    "messages": [{"role": "user", "content": "The capital of France and its population, as JSON."}],
    "response_format": {
        "type": "json_schema",
        "json_schema": {"name": "city", "strict": True, "schema": CITY_SCHEMA},
    },
}
IMAGE_REQ = {
    "model": "auto",
    "max_completion_tokens": 300,
    "messages": [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is in these images?"},
                {
                    "type": "image_url",
                    "image_url": {"url": "https://example.com/ant.jpg", "detail": "low"},
                },
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
            ],
        }
    ],
}
CONVERSATION_REQ = {
    "model": "auto",
    "temperature": 1.5,
    "top_p": 0.9,
    "stop": ["END"],
    "seed": 7,
    "tools": [WEATHER_TOOL],
    "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    "messages": [
        {"role": "system", "content": "You are a weather bot."},
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_7",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"location": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_7", "content": '{"temp_c": 18}'},
        {"role": "user", "content": "And in Lyon?"},
    ],
}


def load(path: str) -> Any:
    return json.loads((FIXTURES / path).read_text())


def fixture_bytes(case: Case, fixture: str) -> bytes:
    return (FIXTURES / case.name / fixture).read_bytes()


@dataclass(frozen=True)
class Case:
    name: str
    adapter: Callable[[str, str, Timeouts, Tracer | None], ChatProvider]
    api_key: str
    prefix: str  # the path part of the provider's real base URL
    model: str
    auth: tuple[str, str]
    tool_id: str
    embeds: bool

    def make(
        self, origin: str, timeouts: Timeouts = TIMEOUTS, tracer: Tracer | None = None
    ) -> ChatProvider:
        return self.adapter(origin + self.prefix, self.api_key, timeouts, tracer)


CASES = [
    Case(
        "openai",
        OpenAICompatProvider,
        "sk-test",
        "/v1",
        "gpt-4.1-mini",
        ("authorization", "Bearer sk-test"),
        "call_DdmO9pD3xa9XTPNJ32zg2hcA",
        True,
    ),
    Case(
        "anthropic",
        AnthropicProvider,
        "sk-ant-test",
        "",
        "claude-sonnet-4-5",
        ("x-api-key", "sk-ant-test"),
        "toolu_01A09q90qw90lq917835lq9",
        False,
    ),
    # a trailing slash on purpose: the base URL's slash and the path's are not doubled
    Case(
        "gemini",
        GeminiProvider,
        "AIza-test",
        "/v1beta/",
        "gemini-2.5-flash",
        ("x-goog-api-key", "AIza-test"),
        call_id(0, "get_weather", WEATHER_ARGS),
        True,
    ),
]
OPENAI = CASES[0]


@pytest.fixture(params=CASES, ids=[c.name for c in CASES])
def case(request: pytest.FixtureRequest) -> Case:
    return request.param  # type: ignore[no-any-return]


# ---- the upstream server ---------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    method: str
    raw_path: str  # path and query string, as sent
    headers: CIMultiDict[str]
    body: bytes
    peer: tuple[str, int]  # the client's address: the same one again means a reused connection


class Upstream:
    """A local HTTP server: records each request, then answers with `respond`."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.respond: Handler = self._unset
        self.disconnected = asyncio.Event()  # set by handlers that saw the client go away
        self.stopping = asyncio.Event()  # ends the handlers that stall
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def stop(self) -> None:
        self.stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.requests.append(
            Recorded(
                request.method,
                request.raw_path,
                request.headers.copy(),
                await request.read(),
                tuple(peer[:2]) if peer else ("", 0),
            )
        )
        return await self.respond(request)

    @staticmethod
    async def _unset(request: web.Request) -> web.StreamResponse:
        return web.Response(status=599, text="no answer configured")


@pytest.fixture
async def upstream() -> AsyncIterator[Upstream]:
    server = Upstream()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def closed_port() -> int:
    """A local port nothing listens on: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---- answers ---------------------------------------------------------------------------------


def content_type(fixture: str) -> str:
    return "text/event-stream" if fixture.endswith(".sse") else "application/json"


def reply(payload: bytes, status: int = 200, kind: str = "application/json") -> Handler:
    """A whole answer (Content-Length framed)."""

    async def handle(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, body=payload, headers={"content-type": kind})

    return handle


async def open_sse(request: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"content-type": "text/event-stream"})
    await resp.prepare(request)  # no Content-Length: chunked, as real streams are
    return resp


async def write_lines(resp: web.StreamResponse, payload: bytes, piece: int = 0) -> None:
    """One write per line (or per `piece` bytes), so the client sees the stream in parts."""
    parts = (
        [payload[i : i + piece] for i in range(0, len(payload), piece)]
        if piece
        else payload.splitlines(keepends=True)
    )
    for part in parts:
        await resp.write(part)


def sse(payload: bytes, piece: int = 0) -> Handler:
    """A chunked event stream that ends normally."""

    async def handle(request: web.Request) -> web.StreamResponse:
        resp = await open_sse(request)
        await write_lines(resp, payload, piece)
        await resp.write_eof()
        return resp

    return handle


def sse_then_close(payload: bytes) -> Handler:
    """Events, then the connection is closed in the middle of the chunked body."""

    async def handle(request: web.Request) -> web.StreamResponse:
        resp = await open_sse(request)
        await write_lines(resp, payload)
        assert request.transport is not None
        request.transport.close()
        return resp

    return handle


def sse_then_stall(upstream: Upstream, payload: bytes) -> Handler:
    """Events, then silence (until the server stops)."""

    async def handle(request: web.Request) -> web.StreamResponse:
        resp = await open_sse(request)
        await write_lines(resp, payload)
        await upstream.stopping.wait()
        return resp

    return handle


def stall(upstream: Upstream) -> Handler:
    """No answer at all (until the server stops)."""

    async def handle(request: web.Request) -> web.StreamResponse:
        await upstream.stopping.wait()
        return web.Response(status=504)

    return handle


def sse_until_disconnect(upstream: Upstream, payload: bytes) -> Handler:
    """Events, then a keep-alive comment every 20 ms until the client is gone."""

    async def handle(request: web.Request) -> web.StreamResponse:
        resp = await open_sse(request)
        try:
            await write_lines(resp, payload)
            while not upstream.stopping.is_set():
                await asyncio.sleep(0.02)
                await resp.write(b": keep-alive\n\n")
        except ConnectionError:
            upstream.disconnected.set()
        return resp

    return handle


# ---- helpers ---------------------------------------------------------------------------------


@asynccontextmanager
async def served(
    case: Case,
    upstream: Upstream,
    respond: Handler,
    timeouts: Timeouts = TIMEOUTS,
    tracer: Tracer | None = None,
) -> AsyncIterator[ChatProvider]:
    upstream.respond = respond
    provider = case.make(upstream.url, timeouts, tracer)
    try:
        yield provider
    finally:
        await provider.aclose()


def fixture_reply(case: Case, fixture: str, status: int = 200) -> Handler:
    payload = fixture_bytes(case, fixture)
    return (
        sse(payload) if fixture.endswith(".sse") else reply(payload, status, content_type(fixture))
    )


def assert_request(
    upstream: Upstream, case: Case, expected_fixture: str, streamed: bool = False
) -> None:
    """The last request equals the recorded wire request (path with query, and body)."""
    expected = load(f"{case.name}/{expected_fixture}")
    request = upstream.requests[-1]
    assert request.method == "POST"
    assert request.raw_path == expected["path"]
    assert request.headers[case.auth[0]] == case.auth[1]
    assert request.headers["content-type"] == "application/json"
    if streamed:
        assert request.headers["accept"] == "text/event-stream"
    assert json.loads(request.body) == expected["body"]


def chat(body: Json) -> ChatCompletionRequest:
    return ChatCompletionRequest.model_validate(body)


async def collect(provider: ChatProvider, case: Case, body: Json) -> list[Json]:
    return [
        c
        async for c in provider.stream(
            chat({**body, "stream": True}), Target(case.name, case.model)
        )
    ]


def usage_of(body: Json) -> tuple[int, int, int]:
    usage = body["usage"]
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens", 0)
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    return usage["prompt_tokens"], usage["completion_tokens"], cached


def delivered_text(chunks: list[Json]) -> str:
    return "".join(ch["delta"].get("content") or "" for c in chunks for ch in c["choices"])


# ---- the contract ----------------------------------------------------------------------------


async def test_text_completion(case: Case, upstream: Upstream) -> None:
    async with served(case, upstream, fixture_reply(case, "text.json")) as provider:
        out = await provider.complete(chat(TEXT_REQ), Target(case.name, case.model))
    assert_request(upstream, case, "request_text.json")
    assert out["object"] == "chat.completion"
    choice = out["choices"][0]
    assert choice["message"]["role"] == "assistant"
    assert choice["message"]["content"] == "The capital of France is Paris."
    assert not choice["message"].get("tool_calls")
    assert choice["finish_reason"] == "stop"
    assert usage_of(out) == (25, 8, 20)


async def test_tool_call(case: Case, upstream: Upstream) -> None:
    async with served(case, upstream, fixture_reply(case, "tool_call.json")) as provider:
        out = await provider.complete(chat(TOOLS_REQ), Target(case.name, case.model))
    assert_request(upstream, case, "request_tools.json")
    choice = out["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    [call] = choice["message"]["tool_calls"]
    assert call["id"] == case.tool_id and call["type"] == "function"
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == WEATHER_ARGS
    assert usage_of(out) == (80, 20, 0)


async def test_tool_call_streamed(case: Case, upstream: Upstream) -> None:
    async with served(case, upstream, fixture_reply(case, "tool_call_stream.sse")) as provider:
        chunks = await collect(provider, case, TOOLS_REQ)
    assert_request(upstream, case, "request_tools_stream.json", streamed=True)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    tool_deltas = [
        t for c in chunks for ch in c["choices"] for t in ch["delta"].get("tool_calls") or []
    ]
    head = tool_deltas[0]
    assert head["index"] == 0 and head["id"] == case.tool_id and head["type"] == "function"
    assert head["function"]["name"] == "get_weather"
    assert isinstance(head["function"]["arguments"], str)
    assert all("id" not in t and "name" not in t["function"] for t in tool_deltas[1:])
    last = chunks[-1]
    assert last["choices"] == [] and usage_of(last) == (80, 20, 0)
    agg = StreamAggregate()
    for chunk in chunks:
        agg.add(chunk)
    whole = agg.to_completion()["choices"][0]
    assert whole["finish_reason"] == "tool_calls"
    assert whole["message"]["content"] == "Let me check the weather."
    [call] = whole["message"]["tool_calls"]
    assert call["id"] == case.tool_id and call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == WEATHER_ARGS


async def test_json_schema_output(case: Case, upstream: Upstream) -> None:
    async with served(case, upstream, fixture_reply(case, "json_schema.json")) as provider:
        out = await provider.complete(chat(JSON_REQ), Target(case.name, case.model))
    assert_request(upstream, case, "request_json_schema.json")
    choice = out["choices"][0]
    assert choice["finish_reason"] == "stop"
    assert not choice["message"].get("tool_calls")
    assert json.loads(choice["message"]["content"]) == {"city": "Paris", "population": 2102650}


async def test_image_input_request(case: Case, upstream: Upstream) -> None:
    async with served(case, upstream, fixture_reply(case, "text.json")) as provider:
        out = await provider.complete(chat(IMAGE_REQ), Target(case.name, case.model))
    assert_request(upstream, case, "request_image.json")
    assert out["choices"][0]["message"]["content"] == "The capital of France is Paris."


async def test_tool_round_trip_request(case: Case, upstream: Upstream) -> None:
    async with served(case, upstream, fixture_reply(case, "text.json")) as provider:
        await provider.complete(chat(CONVERSATION_REQ), Target(case.name, case.model))
    assert_request(upstream, case, "request_conversation.json")


@pytest.mark.parametrize(("status", "retryable"), [(429, True), (500, True), (400, False)])
@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
async def test_http_errors(
    case: Case, upstream: Upstream, status: int, retryable: bool, streamed: bool
) -> None:
    fixture = f"error_{status}.json"
    async with served(case, upstream, fixture_reply(case, fixture, status)) as provider:
        with pytest.raises(UpstreamFailure) as info:
            if streamed:
                await collect(provider, case, TEXT_REQ)
            else:
                await provider.complete(chat(TEXT_REQ), Target(case.name, case.model))
    assert (info.value.kind, info.value.status) == ("http", status)
    assert info.value.retryable is retryable
    # the upstream's message is kept for the logs, read from the provider's own error body
    assert info.value.detail == load(f"{case.name}/{fixture}")["error"]["message"]


@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
async def test_error_page_that_is_not_json(case: Case, upstream: Upstream, streamed: bool) -> None:
    """A proxy in front of the provider answers 502 with HTML: retryable, status kept."""
    page = reply(b"<html><body>502 Bad Gateway</body></html>", 502, "text/html")
    async with served(case, upstream, page) as provider:
        with pytest.raises(UpstreamFailure) as info:
            if streamed:
                await collect(provider, case, TEXT_REQ)
            else:
                await provider.complete(chat(TEXT_REQ), Target(case.name, case.model))
    assert (info.value.kind, info.value.status, info.value.retryable) == ("http", 502, True)


@pytest.mark.parametrize(
    ("ending", "kind"), [("ended", "protocol"), ("closed", "protocol"), ("stalled", "timeout")]
)
async def test_stream_broken_midway(case: Case, upstream: Upstream, ending: str, kind: str) -> None:
    """The stream stops after some text: it ends without its final event, its connection is
    closed mid-body, or the upstream falls silent for longer than the read timeout."""
    payload = fixture_bytes(case, "stream_broken.sse")
    respond = {
        "ended": sse(payload),
        "closed": sse_then_close(payload),
        "stalled": sse_then_stall(upstream, payload),
    }[ending]
    received: list[Json] = []
    async with served(case, upstream, respond, FAST_TIMEOUTS) as provider:
        with pytest.raises(UpstreamFailure) as info:
            async for chunk in provider.stream(
                chat({**TEXT_REQ, "stream": True}), Target(case.name, case.model)
            ):
                received.append(chunk)
    assert info.value.kind == kind and info.value.retryable
    assert delivered_text(received).startswith("The capital")  # delivered before the break


async def test_stream_error_before_first_token_is_retryable(case: Case, upstream: Upstream) -> None:
    async with served(case, upstream, fixture_reply(case, "stream_error.sse")) as provider:
        stream = provider.stream(chat({**TEXT_REQ, "stream": True}), Target(case.name, case.model))
        with pytest.raises(UpstreamFailure) as info:
            await anext(stream)
    assert info.value.retryable and info.value.status >= 500


async def failure_of(provider: ChatProvider, case: Case, streamed: bool) -> UpstreamFailure:
    """The failure a text request (streamed or not) ends with."""
    with pytest.raises(UpstreamFailure) as info:
        if streamed:
            await collect(provider, case, TEXT_REQ)
        else:
            await provider.complete(chat(TEXT_REQ), Target(case.name, case.model))
    return info.value


@pytest.mark.parametrize(("fault", "kind"), [("refused", "connect"), ("stalled", "timeout")])
@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
async def test_transport_errors(
    case: Case, upstream: Upstream, fault: str, kind: str, streamed: bool
) -> None:
    upstream.respond = stall(upstream)
    origin = f"http://127.0.0.1:{closed_port()}" if fault == "refused" else upstream.url
    provider = case.make(origin, FAST_TIMEOUTS)
    try:
        failure = await failure_of(provider, case, streamed)
    finally:
        await provider.aclose()
    assert failure.kind == kind and failure.retryable
    assert bool(upstream.requests) is (fault == "stalled")


@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
async def test_failure_detail_never_holds_the_api_key(case: Case, streamed: bool) -> None:
    """A malformed HTTP answer: aiohttp's error for it carries the request headers."""

    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)
        writer.write(b"HTTP/1.1 200 OK\r\nno colon in this header\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(garbage, "127.0.0.1", 0)
    provider = case.make(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
    try:
        failure = await failure_of(provider, case, streamed)
    finally:
        await provider.aclose()
        server.close()
        await server.wait_closed()
    assert failure.kind == "connect" and failure.retryable
    assert failure.detail and case.api_key not in failure.detail


async def test_embeddings(case: Case, upstream: Upstream) -> None:
    req = EmbeddingRequest.model_validate({"model": "auto", "input": ["hello", "world"]})
    model = {"openai": "text-embedding-3-small", "gemini": "gemini-embedding-001"}.get(
        case.name, case.model
    )
    if not case.embeds:
        async with served(case, upstream, reply(b"{}")) as provider:
            with pytest.raises(UpstreamFailure) as info:
                await provider.embed(req, Target(case.name, model))
        assert info.value.retryable and not upstream.requests  # the edge falls back
        return
    async with served(case, upstream, fixture_reply(case, "embeddings.json")) as provider:
        out = await provider.embed(req, Target(case.name, model))
    assert_request(upstream, case, "request_embeddings.json")
    assert out["object"] == "list"
    assert [d["index"] for d in out["data"]] == [0, 1]
    assert out["data"][0]["embedding"] == [0.0023, -0.0091, 0.0154]
    assert all(isinstance(x, float) for d in out["data"] for x in d["embedding"])
    # OpenAI reports usage; Gemini's batchEmbedContents does not, so it is estimated
    assert out["usage"]["prompt_tokens"] == {"openai": 2, "gemini": 4}[case.name]


# ---- the connection pool ---------------------------------------------------------------------


async def test_consumer_leaving_early_closes_the_connection(case: Case, upstream: Upstream) -> None:
    """The edge stops reading (its client left) while the upstream is still streaming: the
    upstream connection is closed at once, not left open until the upstream finishes."""
    respond = sse_until_disconnect(upstream, fixture_bytes(case, "stream_broken.sse"))
    async with served(case, upstream, respond) as provider:
        async with aclosing(
            provider.stream(chat({**TEXT_REQ, "stream": True}), Target(case.name, case.model))
        ) as stream:
            async for _ in stream:
                break
        await asyncio.wait_for(upstream.disconnected.wait(), timeout=5)
        upstream.respond = fixture_reply(case, "text.json")  # and the provider still works
        out = await provider.complete(chat(TEXT_REQ), Target(case.name, case.model))
    assert out["choices"][0]["message"]["content"] == "The capital of France is Paris."


async def test_connections_are_kept_alive(case: Case, upstream: Upstream) -> None:
    async with served(case, upstream, fixture_reply(case, "text.json")) as provider:
        for _ in range(3):
            await provider.complete(chat(TEXT_REQ), Target(case.name, case.model))
    assert len({r.peer for r in upstream.requests}) == 1


@pytest.mark.parametrize("eol", ["\n", "\r\n"], ids=["lf", "crlf"])
async def test_sse_line_longer_than_the_read_buffer(upstream: Upstream, eol: str) -> None:
    """One event far over the line limit of aiohttp's `readline` (twice its read buffer,
    512 KiB with aiohttp 3.14's default), sent in small pieces."""
    text = "Paris " * 200_000  # 1.2 MB in one delta
    head = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4.1-mini",
    }
    events = [
        {**head, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]},
        {**head, "choices": [{"index": 0, "delta": {"content": text}}]},
        {**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        {
            **head,
            "choices": [],
            "usage": {"prompt_tokens": 3, "completion_tokens": 200_000, "total_tokens": 200_003},
        },
    ]
    payload = "".join(f"data: {json.dumps(e)}{eol}{eol}" for e in events)
    payload += f"data: [DONE]{eol}{eol}"
    async with served(OPENAI, upstream, sse(payload.encode(), piece=4096)) as provider:
        chunks = await collect(provider, OPENAI, TEXT_REQ)
    assert delivered_text(chunks) == text
    assert usage_of(chunks[-1]) == (3, 200_000, 0)


# ---- tracing ---------------------------------------------------------------------------------


def traceparent_ids(value: str) -> tuple[str, str]:
    version, trace_id, span_id, _flags = value.split("-")
    assert version == "00"
    return trace_id, span_id


@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
async def test_trace_context_goes_upstream(case: Case, upstream: Upstream, streamed: bool) -> None:
    exporter = InMemorySpanExporter()
    tracing = TracerProvider()
    tracing.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = tracing.get_tracer("test")
    fixture = "tool_call_stream.sse" if streamed else "text.json"
    async with served(case, upstream, fixture_reply(case, fixture), tracer=tracer) as provider:
        with tracer.start_as_current_span("edge request") as request_span:
            if streamed:
                await collect(provider, case, TOOLS_REQ)
            else:
                await provider.complete(chat(TEXT_REQ), Target(case.name, case.model))
    tracing.shutdown()

    [client] = [s for s in exporter.get_finished_spans() if s.kind is SpanKind.CLIENT]
    trace_id, parent_id = traceparent_ids(upstream.requests[-1].headers["traceparent"])
    assert trace_id == format(request_span.get_span_context().trace_id, "032x")
    assert client.context is not None and parent_id == format(client.context.span_id, "016x")
    assert client.parent is not None
    assert client.parent.span_id == request_span.get_span_context().span_id
    assert client.attributes is not None
    expected = load(f"{case.name}/request_{'tools_stream' if streamed else 'text'}.json")
    assert client.attributes["url.full"] == upstream.url + expected["path"]
    assert client.attributes["http.response.status_code"] == 200


async def test_no_trace_context_when_tracing_is_off(case: Case, upstream: Upstream) -> None:
    async with served(case, upstream, fixture_reply(case, "text.json")) as provider:
        await provider.complete(chat(TEXT_REQ), Target(case.name, case.model))
    assert "traceparent" not in upstream.requests[-1].headers
