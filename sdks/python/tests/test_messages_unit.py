"""`client.messages` of the tokaroo Python SDK on httpx.MockTransport: create, the event
stream assembled into the final message (cost included), count_tokens, errors."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
from tokaroo import APIError, AsyncTokaroo, AuthenticationError, Tokaroo

MESSAGE = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "auto",
    "content": [{"type": "text", "text": "Hi"}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 3, "output_tokens": 1, "cost_usd": "0.000000100"},
}


def sse(*events: dict[str, Any]) -> bytes:
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)


STREAM = sse(
    {
        "type": "message_start",
        "message": {
            **MESSAGE,
            "content": [],
            "stop_reason": None,
            "usage": {"input_tokens": 3, "output_tokens": 0},
        },
    },
    {"type": "ping"},
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Le"}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "t"}},
    {"type": "content_block_stop", "index": 0},
    {
        "type": "content_block_start",
        "index": 1,
        "content_block": {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}},
    },
    {
        "type": "content_block_delta",
        "index": 1,
        "delta": {"type": "input_json_delta", "partial_json": '{"a":'},
    },
    {
        "type": "content_block_delta",
        "index": 1,
        "delta": {"type": "input_json_delta", "partial_json": "1}"},
    },
    {"type": "content_block_stop", "index": 1},
    {
        "type": "message_delta",
        "delta": {"stop_reason": "tool_use", "stop_sequence": None},
        "usage": {"input_tokens": 4, "output_tokens": 5, "cost_usd": "0.000000200"},
    },
    {"type": "message_stop"},
)


def client(handler: Any) -> Tokaroo:
    return Tokaroo(
        api_key="tok_k",
        base_url="http://t.test/v1",
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )


def test_create_posts_a_messages_body_and_reads_the_cost() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, json=MESSAGE, headers={"x-tokaroo-cost": "0.000000100", "x-tokaroo-cache": "miss"}
        )

    msg = client(handler).messages.create(
        model="auto", max_tokens=5, system="Be brief.", messages=[{"role": "user", "content": "Hi"}]
    )
    assert (msg.text, msg.stop_reason, msg.usage.input_tokens) == ("Hi", "end_turn", 3)
    assert msg._tokaroo.cost == Decimal("0.000000100") and msg._tokaroo.cache == "miss"
    assert seen[0].url == "http://t.test/v1/messages"
    assert json.loads(seen[0].content) == {
        "model": "auto",
        "system": "Be brief.",
        "max_tokens": 5,
        "stream": False,
        "messages": [{"role": "user", "content": "Hi"}],
    }


def test_a_stream_is_assembled_into_the_final_message() -> None:
    c = client(
        lambda r: httpx.Response(200, content=STREAM, headers={"content-type": "text/event-stream"})
    )
    with c.messages.stream(model="auto", max_tokens=5, messages=[]) as stream:
        kinds = [event.type for event in stream]
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop" and "ping" in kinds
    final = stream.message
    assert final is not None
    assert final.text == "Let" and final.tool_uses == [
        {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"a": 1}}
    ]
    assert (final.stop_reason, final.usage.input_tokens, final.usage.output_tokens) == (
        "tool_use",
        4,
        5,
    )
    assert final._tokaroo.cost == Decimal("0.000000200")


def test_async_stream_and_count_tokens() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/count_tokens"):
            return httpx.Response(200, json={"input_tokens": 7})
        return httpx.Response(200, content=STREAM)

    async def main() -> None:
        c = AsyncTokaroo(
            api_key="tok_k",
            base_url="http://t.test/v1",
            max_retries=0,
            http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        )
        stream = await c.messages.stream(model="auto", max_tokens=5, messages=[])
        final = await stream.final_message()
        assert final.text == "Let"
        assert (await c.messages.count_tokens(model="auto", messages=[])).input_tokens == 7

    asyncio.run(main())
    counted = client(handler).messages.count_tokens(model="auto", messages=[])
    assert counted.input_tokens == 7


def test_anthropic_shaped_errors_and_a_broken_stream() -> None:
    body = {"type": "error", "error": {"type": "authentication_error", "message": "bad key"}}
    with pytest.raises(AuthenticationError):
        client(lambda r: httpx.Response(401, json=body)).messages.create(
            model="auto", max_tokens=5, messages=[]
        )
    broken = sse(
        {"type": "message_start", "message": MESSAGE},
        {"type": "error", "error": {"type": "api_error", "message": "interrupted"}},
    )
    c = client(lambda r: httpx.Response(200, content=broken))
    with pytest.raises(APIError) as caught:
        c.messages.stream(model="auto", max_tokens=5, messages=[]).final_message()
    assert (caught.value.type, caught.value.message) == ("api_error", "interrupted")
