from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest

ANTHROPIC = {"x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01"}
Q = {
    "model": "claude-haiku-4-5",
    "max_tokens": 1024,
    "system": "Be brief.",
    "messages": [{"role": "user", "content": "What is 2+2?"}],
}
TOOL = {
    "name": "get_weather",
    "description": "Weather",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}
Events = Callable[[str], list[tuple[str, Any]]]


async def test_message_object(client: httpx.AsyncClient) -> None:
    body = (await client.post("/v1/messages", json=Q, headers=ANTHROPIC)).json()
    assert body["type"] == "message" and body["role"] == "assistant"
    assert body["id"].startswith("msg_") and body["model"] == "claude-haiku-4-5"
    assert body["content"][0]["type"] == "text"
    assert body["content"][0]["text"].startswith("Simulated answer ")
    assert body["stop_reason"] == "end_turn" and body["stop_sequence"] is None
    assert body["usage"]["input_tokens"] == 6 and body["usage"]["output_tokens"] > 0


async def test_stream_event_sequence(client: httpx.AsyncClient, sse_events: Events) -> None:
    full = (await client.post("/v1/messages", json=Q, headers=ANTHROPIC)).json()
    r = await client.post("/v1/messages", json={**Q, "stream": True}, headers=ANTHROPIC)
    events = sse_events(r.text)
    names = [name for name, _ in events]
    assert names[:3] == ["message_start", "content_block_start", "ping"]
    assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert all(name == data["type"] for name, data in events)
    start = events[0][1]["message"]
    assert start["content"] == [] and start["stop_reason"] is None
    assert start["usage"]["input_tokens"] == full["usage"]["input_tokens"]
    text = "".join(d["delta"]["text"] for n, d in events if n == "content_block_delta")
    assert text == full["content"][0]["text"]
    delta = events[-2][1]
    assert delta["delta"] == {"stop_reason": "end_turn", "stop_sequence": None}
    assert delta["usage"]["output_tokens"] == full["usage"]["output_tokens"]


async def test_tool_use_block_and_streamed_input_json(
    client: httpx.AsyncClient, sse_events: Events
) -> None:
    req = {**Q, "tools": [TOOL], "tool_choice": {"type": "tool", "name": "get_weather"}}
    body = (await client.post("/v1/messages", json=req, headers=ANTHROPIC)).json()
    assert body["stop_reason"] == "tool_use"
    block = body["content"][0]
    assert block["type"] == "tool_use" and block["id"].startswith("toolu_")
    assert block["name"] == "get_weather" and isinstance(block["input"]["city"], str)
    events = sse_events(
        (await client.post("/v1/messages", json={**req, "stream": True}, headers=ANTHROPIC)).text
    )
    start = events[1][1]["content_block"]
    assert start == {"type": "tool_use", "id": block["id"], "name": "get_weather", "input": {}}
    partial = "".join(
        d["delta"]["partial_json"]
        for n, d in events
        if n == "content_block_delta" and d["delta"]["type"] == "input_json_delta"
    )
    assert orjson.loads(partial) == block["input"]
    assert events[-2][1]["delta"]["stop_reason"] == "tool_use"
    follow = {
        **req,
        "tool_choice": {"type": "auto"},
        "messages": [
            *Q["messages"],
            {"role": "assistant", "content": [block]},
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": block["id"], "content": "sunny"}
                ],
            },
        ],
    }
    after = (await client.post("/v1/messages", json=follow, headers=ANTHROPIC)).json()
    assert after["stop_reason"] == "end_turn" and "tool result" in after["content"][0]["text"]


async def test_image_block_and_stop_sequence(client: httpx.AsyncClient) -> None:
    msg = {
        "role": "user",
        "content": [
            {
                "type": "image",
                "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
            },
            {"type": "text", "text": "Describe it"},
        ],
    }
    body = (
        await client.post("/v1/messages", headers=ANTHROPIC, json={**Q, "messages": [msg]})
    ).json()
    assert "image" in body["content"][0]["text"]
    stopped = (
        await client.post(
            "/v1/messages", headers=ANTHROPIC, json={**Q, "stop_sequences": ["answer"]}
        )
    ).json()
    assert stopped["stop_reason"] == "stop_sequence" and stopped["stop_sequence"] == "answer"
    short = (
        await client.post("/v1/messages", headers=ANTHROPIC, json={**Q, "max_tokens": 2})
    ).json()
    assert short["stop_reason"] == "max_tokens" and short["usage"]["output_tokens"] == 2


@pytest.mark.parametrize(
    ("headers", "body", "status", "etype"),
    [
        ({"anthropic-version": "2023-06-01"}, Q, 401, "authentication_error"),
        ({"x-api-key": "k"}, Q, 400, "invalid_request_error"),
        (ANTHROPIC, {**Q, "max_tokens": None}, 400, "invalid_request_error"),
        (ANTHROPIC, {**Q, "model": "claude-error-429"}, 429, "rate_limit_error"),
        (ANTHROPIC, {**Q, "model": "claude-error-500"}, 500, "api_error"),
        (ANTHROPIC, {**Q, "model": "claude-error-503"}, 503, "overloaded_error"),
    ],
)
async def test_errors_have_the_anthropic_shape(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    body: dict[str, Any],
    status: int,
    etype: str,
) -> None:
    r = await client.post("/v1/messages", json=body, headers=headers)
    assert r.status_code == status
    err = r.json()
    assert err["type"] == "error" and err["error"]["type"] == etype and err["error"]["message"]


async def test_models_list_in_anthropic_shape(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/models", headers=ANTHROPIC)).json()
    assert body["has_more"] is False and body["data"][0]["type"] == "model"
