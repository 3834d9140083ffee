from __future__ import annotations

import base64
import struct
import time
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest

OPENAI = {"Authorization": "Bearer sk-test"}
SSE = Callable[[str], list[Any]]

CHAT = "/v1/chat/completions"
Q = {
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is 2+2?"},
    ],
}
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


async def test_completion_object(client: httpx.AsyncClient) -> None:
    r = await client.post(CHAT, json=Q, headers=OPENAI)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["object"] == "chat.completion" and body["id"].startswith("chatcmpl-")
    assert body["model"] == "gpt-4o-mini"
    choice = body["choices"][0]
    assert choice["finish_reason"] == "stop" and choice["message"]["role"] == "assistant"
    assert choice["message"]["content"].startswith("Simulated answer ")
    usage = body["usage"]
    assert usage["prompt_tokens"] == 6  # 21 characters of message text
    assert usage["completion_tokens"] == len(choice["message"]["content"].split())
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    again = (await client.post(CHAT, json=Q, headers=OPENAI)).json()
    assert again["choices"][0]["message"]["content"] == choice["message"]["content"]


async def test_stream_with_usage_matches_the_completion(
    client: httpx.AsyncClient, sse_data: SSE
) -> None:
    full = (await client.post(CHAT, json=Q, headers=OPENAI)).json()
    r = await client.post(
        CHAT, headers=OPENAI, json={**Q, "stream": True, "stream_options": {"include_usage": True}}
    )
    assert r.headers["content-type"].startswith("text/event-stream")
    data = sse_data(r.text)
    assert data[-1] == "[DONE]"
    chunks = data[:-1]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == full["choices"][0]["message"]["content"]
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"] == full["usage"]
    assert all(c["usage"] is None for c in chunks[:-1])


async def test_stream_without_usage_has_no_usage_chunk(
    client: httpx.AsyncClient, sse_data: SSE
) -> None:
    data = sse_data((await client.post(CHAT, json={**Q, "stream": True}, headers=OPENAI)).text)
    assert all(c == "[DONE]" or ("usage" not in c and c["choices"]) for c in data)


async def test_tool_call_then_text_after_tool_result(client: httpx.AsyncClient) -> None:
    req = {**Q, "tools": [WEATHER_TOOL]}
    body = (await client.post(CHAT, json=req, headers=OPENAI)).json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls" and choice["message"]["content"] is None
    call = choice["message"]["tool_calls"][0]
    assert call["id"].startswith("call_") and call["type"] == "function"
    assert call["function"]["name"] == "get_weather"
    assert isinstance(orjson.loads(call["function"]["arguments"])["city"], str)
    follow = {
        **req,
        "messages": [
            *Q["messages"],
            choice["message"],
            {"role": "tool", "tool_call_id": call["id"], "content": "sunny"},
        ],
    }
    after = (await client.post(CHAT, json=follow, headers=OPENAI)).json()["choices"][0]
    assert after["finish_reason"] == "stop" and "tool result" in after["message"]["content"]
    none = (await client.post(CHAT, json={**req, "tool_choice": "none"}, headers=OPENAI)).json()
    assert none["choices"][0]["finish_reason"] == "stop"


async def test_streamed_tool_call_deltas(client: httpx.AsyncClient, sse_data: SSE) -> None:
    req = {
        **Q,
        "stream": True,
        "tools": [{"type": "function", "function": {"name": "noop"}}, WEATHER_TOOL],
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    }
    chunks = sse_data((await client.post(CHAT, json=req, headers=OPENAI)).text)[:-1]
    first = chunks[0]["choices"][0]["delta"]["tool_calls"][0]
    assert first["index"] == 0 and first["id"].startswith("call_") and first["type"] == "function"
    assert first["function"] == {"name": "get_weather", "arguments": ""}
    rest = [c["choices"][0]["delta"]["tool_calls"][0] for c in chunks[1:-1]]
    assert all(set(d) == {"index", "function"} for d in rest)
    args = "".join(d["function"]["arguments"] for d in rest)
    assert orjson.loads(args)["city"]
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


async def test_json_schema_and_limits(client: httpx.AsyncClient) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
        "required": ["city", "population"],
        "additionalProperties": False,
    }
    req = {
        **Q,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "x", "schema": schema, "strict": True},
        },
    }
    content = (await client.post(CHAT, json=req, headers=OPENAI)).json()["choices"][0]["message"][
        "content"
    ]
    value = orjson.loads(content)
    assert isinstance(value["city"], str) and isinstance(value["population"], int)
    short = (await client.post(CHAT, json={**Q, "max_completion_tokens": 2}, headers=OPENAI)).json()
    assert short["choices"][0]["finish_reason"] == "length"
    assert short["usage"]["completion_tokens"] == 2
    stopped = (await client.post(CHAT, json={**Q, "stop": ["answer"]}, headers=OPENAI)).json()
    assert stopped["choices"][0]["message"]["content"] == "Simulated "


async def test_image_parts_are_accepted_and_mentioned(client: httpx.AsyncClient) -> None:
    msg = {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is in this picture?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        ],
    }
    body = (
        await client.post(CHAT, json={"model": "gpt-4o", "messages": [msg]}, headers=OPENAI)
    ).json()
    assert "image" in body["choices"][0]["message"]["content"]
    assert body["usage"]["prompt_tokens"] == 6 + 85


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({}, Q, 401),
        (OPENAI, {"model": "gpt-4o"}, 400),
        (OPENAI, {"messages": Q["messages"]}, 400),
        (OPENAI, {**Q, "tool_choice": {"type": "function", "function": {"name": "nope"}}}, 400),
    ],
)
async def test_errors_have_the_openai_shape(
    client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, object], status: int
) -> None:
    r = await client.post(CHAT, json=body, headers=headers)
    assert r.status_code == status
    err = r.json()["error"]
    assert isinstance(err["message"], str) and err["type"] and "code" in err


async def test_invalid_json_is_a_400(client: httpx.AsyncClient) -> None:
    r = await client.post(CHAT, content=b"{nope", headers=OPENAI)
    assert r.status_code == 400 and r.json()["error"]["type"] == "invalid_request_error"


async def test_embeddings_float_and_base64(client: httpx.AsyncClient) -> None:
    req = {"model": "text-embedding-3-small", "input": ["hello world", "bye"]}
    body = (await client.post("/v1/embeddings", json=req, headers=OPENAI)).json()
    assert body["object"] == "list" and body["model"] == "text-embedding-3-small"
    assert [d["index"] for d in body["data"]] == [0, 1]
    vec = body["data"][0]["embedding"]
    assert len(vec) == 1536 and body["data"][0]["object"] == "embedding"
    assert body["usage"]["prompt_tokens"] == body["usage"]["total_tokens"] > 0
    b64 = (
        await client.post(
            "/v1/embeddings", headers=OPENAI, json={**req, "encoding_format": "base64"}
        )
    ).json()
    raw = base64.b64decode(b64["data"][0]["embedding"])
    assert list(struct.unpack("<1536f", raw)) == vec
    other = (
        await client.post(
            "/v1/embeddings", headers=OPENAI, json={"model": "nomic-embed", "input": "hello"}
        )
    ).json()
    assert len(other["data"][0]["embedding"]) == 768
    small = (
        await client.post("/v1/embeddings", headers=OPENAI, json={**req, "dimensions": 64})
    ).json()
    assert len(small["data"][0]["embedding"]) == 64


async def test_models(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/models", headers=OPENAI)).json()
    assert body["object"] == "list"
    assert {"gpt-4o-mini", "text-embedding-3-small"} <= {m["id"] for m in body["data"]}
    one = (await client.get("/v1/models/gpt-4o", headers=OPENAI)).json()
    assert one == {**one, "id": "gpt-4o", "object": "model"}


async def test_latency_and_token_rate(make_client: Any, sse_data: SSE) -> None:
    async with make_client(latency_ms=60, tokens_per_second=200) as c:
        start = time.perf_counter()
        await c.post(CHAT, json=Q, headers=OPENAI)
        assert time.perf_counter() - start >= 0.06
        start = time.perf_counter()
        r = await c.post(CHAT, json={**Q, "stream": True}, headers=OPENAI)
        frames = len(sse_data(r.text))
        assert time.perf_counter() - start >= 0.06 + (frames - 1) / 200 * 0.9
