"""OpenAI and Gemini requests keep a conversation's prefix byte-stable from turn to turn, so
the providers' automatic prompt caching works through Tokaroo."""

from __future__ import annotations

from typing import Any

import orjson
from tokaroo_edge.providers.base import cache_write_tokens
from tokaroo_edge.providers.gemini_wire import to_generate_request
from tokaroo_edge.providers.openai_wire import to_chat_request
from tokaroo_edge.schemas import ChatCompletionRequest

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": n,
            "description": "d",
            "parameters": {
                "type": "object",
                "properties": {"z": {"type": "string"}, "a": {"type": "string"}},
            },
        },
    }
    for n in ("zeta", "alpha", "mid")
]


def turns(n: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"role": "system", "content": "S" * 5000}]
    for i in range(n):
        out += [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]
    return [*out, {"role": "user", "content": "last"}]


def req(n: int) -> ChatCompletionRequest:
    return ChatCompletionRequest.model_validate(
        {"model": "auto", "tools": TOOLS, "messages": turns(n)}
    )


def test_openai_next_turn_extends_the_previous_bytes() -> None:
    one = to_chat_request(req(1), "m", stream=False)
    two = to_chat_request(req(2), "m", stream=False)
    assert orjson.dumps(one["tools"]) == orjson.dumps(two["tools"])  # order and keys as sent
    assert [t["function"]["name"] for t in two["tools"]] == ["zeta", "alpha", "mid"]
    for a, b in zip(one["messages"][:-1], two["messages"], strict=False):
        assert orjson.dumps(a) == orjson.dumps(b)


def test_gemini_next_turn_extends_the_previous_bytes() -> None:
    one, two = to_generate_request(req(1)), to_generate_request(req(2))
    assert orjson.dumps(one["systemInstruction"]) == orjson.dumps(two["systemInstruction"])
    assert orjson.dumps(one["tools"]) == orjson.dumps(two["tools"])
    for a, b in zip(one["contents"][:-1], two["contents"], strict=False):
        assert orjson.dumps(a) == orjson.dumps(b)


def test_cache_write_tokens_read_from_usage() -> None:
    assert cache_write_tokens({"prompt_tokens_details": {"cache_write_tokens": 7}}) == 7
    assert cache_write_tokens({"prompt_tokens_details": {"cached_tokens": 7}}) == 0
    assert cache_write_tokens(None) == 0
