"""One contract every provider adapter must pass. Each upstream is an httpx.MockTransport that
serves payloads recorded in that provider's own wire format (fixtures/<provider>/) and records
the request it received, which is compared with the expected wire request."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from tokaroo_edge.providers.anthropic import AnthropicProvider
from tokaroo_edge.providers.base import ChatProvider, Target, UpstreamFailure
from tokaroo_edge.providers.gemini import GeminiProvider
from tokaroo_edge.providers.gemini_wire import call_id
from tokaroo_edge.providers.openai_compat import OpenAICompatProvider, Timeouts
from tokaroo_edge.schemas import ChatCompletionRequest, EmbeddingRequest
from tokaroo_edge.shaping import StreamAggregate

Json = dict[str, Any]
FIXTURES = Path(__file__).parent / "fixtures"
TIMEOUTS = Timeouts(connect_s=1.0, first_token_s=5.0, total_s=30.0)
WEATHER_ARGS = {"location": "Paris", "unit": "celsius"}
WEATHER_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather in a city.",
    "parameters": {"type": "object", "properties": {
        "location": {"type": "string"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
        "required": ["location"]}}}
CITY_SCHEMA = {"type": "object", "properties": {"city": {"type": "string"},
                                                "population": {"type": "integer"}},
               "required": ["city", "population"], "additionalProperties": False}

TEXT_REQ = {"model": "auto", "max_tokens": 64, "temperature": 0.2, "messages": [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "What is the capital of France?"}]}
TOOLS_REQ = {"model": "auto", "tools": [WEATHER_TOOL], "tool_choice": "auto", "messages": [
    {"role": "user", "content": "What is the weather in Paris?"}]}
JSON_REQ = {"model": "auto", "messages": [
    {"role": "user", "content": "The capital of France and its population, as JSON."}],
    "response_format": {"type": "json_schema", "json_schema": {
        "name": "city", "strict": True, "schema": CITY_SCHEMA}}}
IMAGE_REQ = {"model": "auto", "max_completion_tokens": 300, "messages": [{"role": "user",
                                                                         "content": [
    {"type": "text", "text": "What is in these images?"},
    {"type": "image_url", "image_url": {"url": "https://example.com/ant.jpg", "detail": "low"}},
    {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]}]}
CONVERSATION_REQ = {
    "model": "auto", "temperature": 1.5, "top_p": 0.9, "stop": ["END"], "seed": 7,
    "tools": [WEATHER_TOOL],
    "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    "messages": [
        {"role": "system", "content": "You are a weather bot."},
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_7", "type": "function",
             "function": {"name": "get_weather", "arguments": "{\"location\": \"Paris\"}"}}]},
        {"role": "tool", "tool_call_id": "call_7", "content": "{\"temp_c\": 18}"},
        {"role": "user", "content": "And in Lyon?"}]}


def load(path: str) -> Any:
    return json.loads((FIXTURES / path).read_text())


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[httpx.AsyncBaseTransport], ChatProvider]
    model: str
    auth: tuple[str, str]
    tool_id: str
    embeds: bool


CASES = [
    Case("openai", lambda t: OpenAICompatProvider("https://api.openai.com/v1", "sk-test",
                                                   TIMEOUTS, t),
         "gpt-4.1-mini", ("authorization", "Bearer sk-test"), "call_DdmO9pD3xa9XTPNJ32zg2hcA",
         True),
    Case("anthropic", lambda t: AnthropicProvider("https://api.anthropic.com", "sk-ant-test",
                                                  TIMEOUTS, t),
         "claude-sonnet-4-5", ("x-api-key", "sk-ant-test"), "toolu_01A09q90qw90lq917835lq9",
         False),
    Case("gemini", lambda t: GeminiProvider(
        "https://generativelanguage.googleapis.com/v1beta", "AIza-test", TIMEOUTS, t),
         "gemini-2.5-flash", ("x-goog-api-key", "AIza-test"),
         call_id(0, "get_weather", WEATHER_ARGS), True),
]


@pytest.fixture(params=CASES, ids=[c.name for c in CASES])
def case(request: pytest.FixtureRequest) -> Case:
    return request.param  # type: ignore[no-any-return]


class Upstream:
    """Serves one fixture file (or raises one transport error) and records each request."""

    def __init__(self, case: Case, fixture: str, status: int,
                 error: Exception | None) -> None:
        self.case, self.fixture, self.status, self.error = case, fixture, status, error
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.error is not None:
            raise self.error
        kind = "text/event-stream" if self.fixture.endswith(".sse") else "application/json"
        return httpx.Response(self.status, headers={"content-type": kind},
                              content=(FIXTURES / self.case.name / self.fixture).read_bytes())

    def assert_request(self, expected_fixture: str) -> None:
        """The last request equals the recorded wire request (path with query, and body)."""
        expected = load(f"{self.case.name}/{expected_fixture}")
        request = self.requests[-1]
        assert request.method == "POST"
        assert request.url.raw_path.decode() == expected["path"]
        assert request.headers[self.case.auth[0]] == self.case.auth[1]
        assert json.loads(request.content) == expected["body"]


@asynccontextmanager
async def served(case: Case, fixture: str = "", status: int = 200,
                 error: Exception | None = None) -> AsyncIterator[tuple[ChatProvider, Upstream]]:
    upstream = Upstream(case, fixture, status, error)
    provider = case.make(httpx.MockTransport(upstream))
    try:
        yield provider, upstream
    finally:
        await provider.aclose()


def chat(body: Json) -> ChatCompletionRequest:
    return ChatCompletionRequest.model_validate(body)


async def collect(provider: ChatProvider, case: Case, body: Json) -> list[Json]:
    return [c async for c in provider.stream(chat({**body, "stream": True}),
                                             Target(case.name, case.model))]


def usage_of(body: Json) -> tuple[int, int, int]:
    usage = body["usage"]
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens", 0)
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    return usage["prompt_tokens"], usage["completion_tokens"], cached


async def test_text_completion(case: Case) -> None:
    async with served(case, "text.json") as (provider, upstream):
        out = await provider.complete(chat(TEXT_REQ), Target(case.name, case.model))
    upstream.assert_request("request_text.json")
    assert out["object"] == "chat.completion"
    choice = out["choices"][0]
    assert choice["message"]["role"] == "assistant"
    assert choice["message"]["content"] == "The capital of France is Paris."
    assert not choice["message"].get("tool_calls")
    assert choice["finish_reason"] == "stop"
    assert usage_of(out) == (25, 8, 20)


async def test_tool_call(case: Case) -> None:
    async with served(case, "tool_call.json") as (provider, upstream):
        out = await provider.complete(chat(TOOLS_REQ), Target(case.name, case.model))
    upstream.assert_request("request_tools.json")
    choice = out["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    [call] = choice["message"]["tool_calls"]
    assert call["id"] == case.tool_id and call["type"] == "function"
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == WEATHER_ARGS
    assert usage_of(out) == (80, 20, 0)


async def test_tool_call_streamed(case: Case) -> None:
    async with served(case, "tool_call_stream.sse") as (provider, upstream):
        chunks = await collect(provider, case, TOOLS_REQ)
    upstream.assert_request("request_tools_stream.json")
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    tool_deltas = [t for c in chunks for ch in c["choices"]
                   for t in ch["delta"].get("tool_calls") or []]
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


async def test_json_schema_output(case: Case) -> None:
    async with served(case, "json_schema.json") as (provider, upstream):
        out = await provider.complete(chat(JSON_REQ), Target(case.name, case.model))
    upstream.assert_request("request_json_schema.json")
    choice = out["choices"][0]
    assert choice["finish_reason"] == "stop"
    assert not choice["message"].get("tool_calls")
    assert json.loads(choice["message"]["content"]) == {"city": "Paris", "population": 2102650}


async def test_image_input_request(case: Case) -> None:
    async with served(case, "text.json") as (provider, upstream):
        out = await provider.complete(chat(IMAGE_REQ), Target(case.name, case.model))
    upstream.assert_request("request_image.json")
    assert out["choices"][0]["message"]["content"] == "The capital of France is Paris."


async def test_tool_round_trip_request(case: Case) -> None:
    async with served(case, "text.json") as (provider, upstream):
        await provider.complete(chat(CONVERSATION_REQ), Target(case.name, case.model))
    upstream.assert_request("request_conversation.json")


@pytest.mark.parametrize(("status", "retryable"), [(429, True), (500, True), (400, False)])
@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
async def test_http_errors(case: Case, status: int, retryable: bool, streamed: bool) -> None:
    async with served(case, f"error_{status}.json", status=status) as (provider, _):
        with pytest.raises(UpstreamFailure) as info:
            if streamed:
                await collect(provider, case, TEXT_REQ)
            else:
                await provider.complete(chat(TEXT_REQ), Target(case.name, case.model))
    assert (info.value.kind, info.value.status) == ("http", status)
    assert info.value.retryable is retryable
    assert info.value.detail  # the upstream's message is kept for the logs


async def test_stream_broken_midway(case: Case) -> None:
    received: list[Json] = []
    async with served(case, "stream_broken.sse") as (provider, _):
        with pytest.raises(UpstreamFailure) as info:
            async for chunk in provider.stream(chat({**TEXT_REQ, "stream": True}),
                                               Target(case.name, case.model)):
                received.append(chunk)
    assert info.value.kind == "protocol" and info.value.retryable
    text = "".join(ch["delta"].get("content") or "" for c in received for ch in c["choices"])
    assert text.startswith("The capital")  # the part delivered before the break


async def test_stream_error_before_first_token_is_retryable(case: Case) -> None:
    async with served(case, "stream_error.sse") as (provider, _):
        stream = provider.stream(chat({**TEXT_REQ, "stream": True}),
                                 Target(case.name, case.model))
        with pytest.raises(UpstreamFailure) as info:
            await anext(stream)
    assert info.value.retryable and info.value.status >= 500


@pytest.mark.parametrize(("error", "kind"), [
    (httpx.ConnectError("connection refused"), "connect"),
    (httpx.ReadTimeout("read timed out"), "timeout")])
@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
async def test_transport_errors(case: Case, error: Exception, kind: str, streamed: bool) -> None:
    async with served(case, error=error) as (provider, _):
        with pytest.raises(UpstreamFailure) as info:
            if streamed:
                await collect(provider, case, TEXT_REQ)
            else:
                await provider.complete(chat(TEXT_REQ), Target(case.name, case.model))
    assert info.value.kind == kind and info.value.retryable


async def test_embeddings(case: Case) -> None:
    req = EmbeddingRequest.model_validate({"model": "auto", "input": ["hello", "world"]})
    model = {"openai": "text-embedding-3-small", "gemini": "gemini-embedding-001"}.get(
        case.name, case.model)
    async with served(case, "embeddings.json") as (provider, upstream):
        if not case.embeds:
            with pytest.raises(UpstreamFailure) as info:
                await provider.embed(req, Target(case.name, model))
            assert info.value.retryable and not upstream.requests  # the edge falls back
            return
        out = await provider.embed(req, Target(case.name, model))
    upstream.assert_request("request_embeddings.json")
    assert out["object"] == "list"
    assert [d["index"] for d in out["data"]] == [0, 1]
    assert out["data"][0]["embedding"] == [0.0023, -0.0091, 0.0154]
    assert all(isinstance(x, float) for d in out["data"] for x in d["embedding"])
    # OpenAI reports usage; Gemini's batchEmbedContents does not, so it is estimated
    assert out["usage"]["prompt_tokens"] == {"openai": 2, "gemini": 4}[case.name]
