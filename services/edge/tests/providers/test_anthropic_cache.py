"""Anthropic cache breakpoints: the client's kept, ours placed within the limit of 4."""

from __future__ import annotations

from typing import Any

from tokaroo_edge.providers.anthropic_cache import marked_blocks, with_breakpoints
from tokaroo_edge.providers.anthropic_wire import to_messages_request
from tokaroo_edge.schemas import ChatCompletionRequest

TOOL = {"type": "function", "function": {"name": "read", "parameters": {"type": "object"}}}
CC = {"type": "ephemeral"}


def req(messages: list[dict[str, Any]], **extra: Any) -> ChatCompletionRequest:
    return ChatCompletionRequest.model_validate({"model": "auto", "messages": messages, **extra})


def agent_turn() -> list[dict[str, Any]]:
    call = {"id": "c1", "type": "function", "function": {"name": "read", "arguments": "{}"}}
    return [
        {"role": "system", "content": "You are an agent."},
        {"role": "user", "content": "Read the file."},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": "file text"},
    ]


def test_placed_on_tools_system_last_turn_and_previous_turn() -> None:
    body = with_breakpoints(
        to_messages_request(req(agent_turn(), tools=[TOOL, TOOL]), "c", stream=False)
    )
    assert body["tools"][-1]["cache_control"] == CC and "cache_control" not in body["tools"][0]
    assert body["system"] == [{"type": "text", "text": "You are an agent.", "cache_control": CC}]
    msgs = body["messages"]
    assert msgs[-1]["content"][-1]["type"] == "tool_result"
    assert msgs[-1]["content"][-1]["cache_control"] == CC  # this turn's prompt
    assert msgs[0]["content"][-1]["cache_control"] == CC  # the previous turn's prompt
    assert len(marked_blocks(body)) == 4


def test_first_turn_without_tools_gets_two() -> None:
    body = with_breakpoints(to_messages_request(req(agent_turn()[:2]), "c", stream=False))
    assert len(marked_blocks(body)) == 2
    assert body["messages"][-1]["content"][-1]["cache_control"] == CC


def test_client_marks_are_kept_and_none_added() -> None:
    messages = [
        {
            "role": "system",
            "content": [
                {"type": "text", "text": "S", "cache_control": {"type": "ephemeral", "ttl": "1h"}}
            ],
        },
        {"role": "user", "content": "hi"},
    ]
    body = with_breakpoints(to_messages_request(req(messages, tools=[TOOL]), "c", stream=False))
    assert body["system"][0]["cache_control"] == {"type": "ephemeral", "ttl": "1h"}
    assert marked_blocks(body) == [body["system"][0]]


def test_client_marks_on_parts_and_tools_are_carried_over() -> None:
    tool = {**TOOL, "cache_control": CC}
    messages = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "a", "cache_control": CC},
                {"type": "text", "text": "b"},
            ],
        }
    ]
    body = to_messages_request(req(messages, tools=[tool]), "c", stream=False)
    assert body["tools"][0]["cache_control"] == CC
    assert body["messages"][0]["content"][0]["cache_control"] == CC
    assert len(marked_blocks(with_breakpoints(body))) == 2


def test_more_than_four_client_marks_are_capped() -> None:
    parts = [{"type": "text", "text": str(i), "cache_control": CC} for i in range(6)]
    body = with_breakpoints(
        to_messages_request(req([{"role": "user", "content": parts}]), "c", stream=False)
    )
    marked = marked_blocks(body)
    assert [b["text"] for b in marked] == ["0", "1", "2", "5"]


def test_the_same_turn_gives_the_same_bytes() -> None:
    one = with_breakpoints(to_messages_request(req(agent_turn(), tools=[TOOL]), "c", stream=False))
    two = with_breakpoints(to_messages_request(req(agent_turn(), tools=[TOOL]), "c", stream=False))
    assert one == two
