"""Anthropic's Messages API through the whole stack with the official `anthropic` Python SDK:
create and stream, a tool round trip (tool_use -> tool_result -> final text) with the ids
the client got, count_tokens, model `auto` with the cache on, repeated on a warm cache; and
Anthropic-shaped errors for every failure (malformed JSON, missing max_tokens, a bad
x-api-key, an empty balance)."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import Any

import anthropic
import httpx
import pytest

from tests.harness import Stack

TOOLS: list[Any] = [
    {
        "name": "get_weather",
        "description": "The current weather of a city.",
        "input_schema": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    }
]
HIDDEN = ("gpt-4", "gemini", "openai", "simulator", "claude-haiku")  # upstream names


def root(stack: Stack) -> str:
    return stack.base_url.removesuffix("/v1")


def client(stack: Stack, key: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=root(stack), api_key=key, max_retries=0)


def tool_round_trip(
    c: anthropic.Anthropic, model: str, question: str, *, stream: bool
) -> tuple[list[Any], list[httpx.Headers]]:
    """Turn 1 asks (a tool_use comes back), turn 2 answers it (text comes back)."""
    history: list[Any] = [{"role": "user", "content": question}]
    messages, headers = [], []
    for _ in range(2):
        if stream:
            with c.messages.stream(model=model, max_tokens=200, tools=TOOLS, messages=history) as s:
                kinds = [event.type for event in s]
                message = s.get_final_message()
                headers.append(s.response.headers)
            assert kinds[0] == "message_start" and kinds[-1] == "message_stop", kinds
        else:
            raw = c.messages.with_raw_response.create(
                model=model, max_tokens=200, tools=TOOLS, messages=history
            )
            message, _ = raw.parse(), headers.append(raw.headers)
        assert message.model == model and message.id.startswith("msg_")
        messages.append(message)
        history.append({"role": "assistant", "content": message.content})
        calls = [b for b in message.content if b.type == "tool_use"]
        if not calls:
            break
        history.append(
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": call.id, "content": "Sunny, 21 C"}
                    for call in calls
                ],
            }
        )
    return messages, headers


def blocks(messages: list[Any]) -> list[list[tuple[Any, ...]]]:
    return [
        [
            (b.type, getattr(b, "text", None), getattr(b, "id", None), getattr(b, "input", None))
            for b in m.content
        ]
        for m in messages
    ]


def check_round_trip(messages: list[Any]) -> None:
    first, final = messages
    (call,) = [b for b in first.content if b.type == "tool_use"]
    assert first.stop_reason == "tool_use" and call.name == "get_weather"
    assert isinstance(call.input["city"], str)
    assert final.stop_reason == "end_turn" and final.content[0].type == "text"
    assert "tool result" in final.content[0].text and final.usage.output_tokens > 0


@pytest.mark.parametrize("model", ["auto", "claude-sonnet-4-6"])
def test_tool_round_trip_create_and_stream_on_a_warm_cache(stack: Stack, model: str) -> None:
    key = stack.new_tenant_key("5", name="anthropic-py")
    c = client(stack, key)
    question = f"What is the weather in Lima? ({uuid.uuid4().hex})"
    created, headers = tool_round_trip(c, model, question, stream=False)
    check_round_trip(created)
    assert [h["x-tokaroo-cache"] for h in headers] == ["miss", "miss"]
    assert all(Decimal(h["x-tokaroo-cost"]) > 0 for h in headers)
    deadline = time.monotonic() + 10  # the store happens in the background, after the answer
    while True:
        repeated, again = tool_round_trip(c, model, question, stream=False)
        if all(h["x-tokaroo-cache"] == "hit" for h in again) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert [h["x-tokaroo-cache"] for h in again] == ["hit", "hit"]
    assert blocks(repeated) == blocks(created)  # the same tool ids too
    streamed, stream_headers = tool_round_trip(c, model, question, stream=True)
    check_round_trip(streamed)
    assert blocks(streamed) == blocks(created)
    assert [h["x-tokaroo-cache"] for h in stream_headers] == ["hit", "hit"]
    fresh, _ = tool_round_trip(c, model, f"Weather in Quito? ({uuid.uuid4().hex})", stream=True)
    check_round_trip(fresh)


def test_a_stream_carries_the_cost_in_its_final_usage(stack: Stack) -> None:
    key = stack.new_tenant_key("5", name="anthropic-stream")
    body = {
        "model": "auto",
        "max_tokens": 100,
        "stream": True,
        "messages": [{"role": "user", "content": f"Tell me a story {uuid.uuid4().hex}"}],
    }
    with httpx.stream(
        "POST",
        f"{stack.base_url}/messages?beta=true",
        json=body,
        headers={
            "x-api-key": key,
            "anthropic-version": "2023-06-01",
            "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14",
        },
    ) as r:
        assert r.status_code == 200 and r.headers["x-tokaroo-cache"] == "miss"
        text = "".join(r.iter_text())
    names = [line[len("event: ") :] for line in text.splitlines() if line.startswith("event: ")]
    assert names[:3] == ["message_start", "ping", "content_block_start"]
    assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert not any(word in text for word in HIDDEN), text
    delta = next(line for line in text.splitlines() if '"message_delta"' in line)
    assert '"cost_usd"' in delta and '"stop_reason":"end_turn"' in delta


def test_count_tokens_thinking_and_system_blocks(stack: Stack) -> None:
    c = client(stack, stack.api_key)
    small = c.messages.count_tokens(model="auto", messages=[{"role": "user", "content": "Hi"}])
    big = c.messages.count_tokens(
        model="claude-sonnet-4-6",
        tools=TOOLS,
        system=[{"type": "text", "text": "You are terse.", "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": "Hi"}],
    )
    assert 0 < small.input_tokens < big.input_tokens
    m = c.messages.create(
        model="auto",
        max_tokens=2048,
        system="Be brief.",
        thinking={"type": "enabled", "budget_tokens": 1024},
        metadata={"user_id": "u-1"},
        extra_body={"top_k": 5, "temperature": 1},
        messages=[{"role": "user", "content": f"Hi {uuid.uuid4().hex}"}],
    )
    assert m.content[0].type == "text" and m.stop_reason == "end_turn"


def test_errors_are_anthropic_shaped(stack: Stack) -> None:
    url = f"{stack.base_url}/messages"
    good = {
        "x-api-key": stack.api_key,
        "anthropic-version": "2023-06-01",
        "content-type": "application/json",
    }
    cases = [
        (httpx.post(url, content=b'{"model": "auto",', headers=good), 400, "invalid_request_error"),
        (
            httpx.post(
                url,
                json={"model": "auto", "messages": [{"role": "user", "content": "x"}]},
                headers=good,
            ),
            400,
            "invalid_request_error",
        ),
        (
            httpx.post(
                url,
                json={
                    "model": "auto",
                    "max_tokens": 5,
                    "messages": [{"role": "user", "content": "x"}],
                    "tools": [{"type": "web_search_20250305", "name": "web_search"}],
                },
                headers=good,
            ),
            400,
            "invalid_request_error",
        ),
        (
            httpx.post(
                url,
                json={
                    "model": "no-such-model",
                    "max_tokens": 5,
                    "messages": [{"role": "user", "content": "x"}],
                },
                headers=good,
            ),
            404,
            "not_found_error",
        ),
        (
            httpx.post(url, json={}, headers={**good, "x-api-key": "tok_wrong"}),
            401,
            "authentication_error",
        ),
        (httpx.post(url, json={}), 401, "authentication_error"),
        (httpx.get(url, headers=good), 405, "invalid_request_error"),
        (
            httpx.post(f"{url}/count_tokens", json={"messages": []}, headers=good),
            400,
            "invalid_request_error",
        ),
    ]
    for resp, status, kind in cases:
        assert resp.status_code == status, resp.text
        body = resp.json()
        assert body["type"] == "error" and body["error"]["type"] == kind, body
        assert body["error"]["message"]
    with pytest.raises(anthropic.AuthenticationError):
        client(stack, "tok_wrong").messages.create(
            model="auto", max_tokens=5, messages=[{"role": "user", "content": "x"}]
        )
    broke = stack.new_tenant_key("0", name="anthropic-broke")
    with pytest.raises(anthropic.APIStatusError) as caught:
        client(stack, broke).messages.create(
            model="auto", max_tokens=5, messages=[{"role": "user", "content": "x"}]
        )
    assert caught.value.status_code == 402
    assert caught.value.body["error"]["type"] == "billing_error"  # type: ignore[index]


def test_x_api_key_works_on_every_endpoint_and_claude_codes_hello(stack: Stack) -> None:
    headers = {"x-api-key": stack.api_key}
    chat = httpx.post(
        f"{stack.base_url}/chat/completions",
        headers=headers,
        json={"model": "auto", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert chat.status_code == 200 and chat.json()["object"] == "chat.completion"
    assert httpx.get(f"{stack.base_url}/balance", headers=headers).status_code == 200
    models = httpx.get(f"{stack.base_url}/models", headers=headers).json()["data"]
    assert {"auto", "fast", "max", "claude-sonnet-4-6"} <= {m["id"] for m in models}
    bearer = httpx.post(
        f"{stack.base_url}/messages",
        headers={"authorization": f"Bearer {stack.api_key}"},
        json={"model": "fast", "max_tokens": 20, "messages": [{"role": "user", "content": "hi"}]},
    )
    assert bearer.status_code == 200 and bearer.json()["model"] == "fast"
    assert httpx.head(f"{root(stack)}/api/hello").status_code == 200


def test_the_routes_are_documented_for_the_schema_fuzz(stack: Stack) -> None:
    """tests/e2e/test_schema_fuzz.py fuzzes every documented operation: these included."""
    paths = httpx.get(f"{root(stack)}/openapi.json").json()["paths"]
    for path in ("/v1/messages", "/v1/messages/count_tokens"):
        body = paths[path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert "messages" in body["required"], path
    assert (
        "max_tokens"
        in paths["/v1/messages"]["post"]["requestBody"]["content"]["application/json"]["schema"][
            "required"
        ]
    )
