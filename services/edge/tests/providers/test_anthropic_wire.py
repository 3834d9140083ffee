"""Unit tests of the pure Anthropic translation (edge cases the contract suite does not hit)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tokaroo_edge.providers.anthropic_wire import (
    JSON_TOOL,
    AnthropicStreamTranslator,
    error_failure,
    from_messages_response,
    parse_data_url,
    to_messages_request,
    to_usage,
)
from tokaroo_edge.providers.base import UpstreamFailure
from tokaroo_edge.schemas import ChatCompletionRequest
from tokaroo_edge.shaping import StreamAggregate

Json = dict[str, Any]
TOOL = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}


def req(**fields: Any) -> ChatCompletionRequest:
    fields.setdefault("messages", [{"role": "user", "content": "hi"}])
    return ChatCompletionRequest.model_validate({"model": "auto", **fields})


def test_system_and_developer_joined_and_same_roles_merged() -> None:
    body = to_messages_request(
        req(
            messages=[
                {"role": "system", "content": "A"},
                {"role": "developer", "content": [{"type": "text", "text": "B"}]},
                {"role": "user", "content": "one"},
                {"role": "user", "content": [{"type": "text", "text": "two"}]},
                {"role": "assistant", "content": "three"},
            ]
        ),
        "claude",
        stream=True,
    )
    assert body["system"] == "A\n\nB"
    assert body["messages"] == [
        {
            "role": "user",
            "content": [{"type": "text", "text": "one"}, {"type": "text", "text": "two"}],
        },
        {"role": "assistant", "content": [{"type": "text", "text": "three"}]},
    ]
    assert body["max_tokens"] == 4096 and body["stream"] is True


def test_parallel_tool_results_go_into_one_user_turn() -> None:
    calls = [
        {"id": f"toolu_{i}", "type": "function", "function": {"name": "lookup", "arguments": ""}}
        for i in (1, 2)
    ]
    body = to_messages_request(
        req(
            tools=[TOOL],
            messages=[
                {"role": "user", "content": "go"},
                {"role": "assistant", "content": "", "tool_calls": calls},
                {"role": "tool", "tool_call_id": "toolu_1", "content": "r1"},
                {
                    "role": "tool",
                    "tool_call_id": "toolu_2",
                    "content": [{"type": "text", "text": "r2"}],
                },
            ],
        ),
        "claude",
        stream=False,
    )
    assistant, results = body["messages"][1:]
    assert [b["input"] for b in assistant["content"]] == [{}, {}]
    assert results == {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": "r1"},
            {"type": "tool_result", "tool_use_id": "toolu_2", "content": "r2"},
        ],
    }


def test_sampling_and_limits() -> None:
    body = to_messages_request(
        req(temperature=1.8, top_p=0.5, stop="###", max_tokens=10, user="u-1"),
        "claude",
        stream=False,
    )
    assert body["temperature"] == 1.0 and "top_p" not in body
    assert body["stop_sequences"] == ["###"] and body["max_tokens"] == 10
    assert body["metadata"] == {"user_id": "u-1"}
    assert to_messages_request(req(top_p=0.5, stop=[" "]), "c", stream=False)["top_p"] == 0.5
    assert "stop_sequences" not in to_messages_request(req(stop=[" "]), "c", stream=False)


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", {"type": "auto"}),
        ("required", {"type": "any"}),
        ("none", {"type": "none"}),
        ({"type": "function", "function": {"name": "lookup"}}, {"type": "tool", "name": "lookup"}),
    ],
)
def test_tool_choice(choice: Any, expected: Json) -> None:
    body = to_messages_request(req(tools=[TOOL], tool_choice=choice), "c", stream=False)
    assert body["tool_choice"] == expected


def test_tool_choice_needs_tools_and_parallel_flag() -> None:
    assert "tool_choice" not in to_messages_request(req(tool_choice="auto"), "c", stream=False)
    body = to_messages_request(req(tools=[TOOL], parallel_tool_calls=False), "c", stream=False)
    assert body["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": True}


def test_json_object_and_json_schema_with_user_tools() -> None:
    body = to_messages_request(req(response_format={"type": "json_object"}), "c", stream=False)
    assert "JSON object" in body["system"] and "tools" not in body
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    body = to_messages_request(
        req(
            tools=[TOOL],
            response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": schema}},
        ),
        "c",
        stream=False,
    )
    assert [t["name"] for t in body["tools"]] == ["lookup", JSON_TOOL]
    assert body["tools"][1]["input_schema"] == schema
    assert "tool_choice" not in body and JSON_TOOL in body["system"]


def test_only_system_becomes_a_user_turn() -> None:
    body = to_messages_request(
        req(messages=[{"role": "system", "content": "Say hi"}]), "c", stream=False
    )
    assert "system" not in body
    assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "Say hi"}]}]


def test_pdf_document_and_unsupported_part() -> None:
    body = to_messages_request(
        req(
            messages=[
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "file",
                            "file": {"file_data": "data:application/pdf;base64,JVBERi0="},
                        }
                    ],
                }
            ]
        ),
        "c",
        stream=False,
    )
    assert body["messages"][0]["content"] == [
        {
            "type": "document",
            "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0="},
        }
    ]
    with pytest.raises(UpstreamFailure) as info:
        to_messages_request(
            req(
                messages=[
                    {
                        "role": "user",
                        "content": [
                            {"type": "input_audio", "input_audio": {"data": "x", "format": "wav"}}
                        ],
                    }
                ]
            ),
            "c",
            stream=False,
        )
    assert info.value.retryable and info.value.status == 400
    assert parse_data_url("data:image/webp;base64,UklGR") == ("image/webp", "UklGR")


@pytest.mark.parametrize(
    ("stop", "finish"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("refusal", "content_filter"),
    ],
)
def test_finish_reasons(stop: str, finish: str) -> None:
    out = from_messages_response(
        {"content": [{"type": "text", "text": "x"}], "stop_reason": stop, "usage": {}},
        json_mode=False,
        created=1,
    )
    assert out["choices"][0]["finish_reason"] == finish
    truncated = from_messages_response(
        {
            "stop_reason": "max_tokens",
            "usage": {},
            "content": [{"type": "tool_use", "id": "t", "name": JSON_TOOL, "input": {}}],
        },
        json_mode=True,
        created=1,
    )
    assert truncated["choices"][0]["finish_reason"] == "length"


def test_text_and_tool_use_together() -> None:
    out = from_messages_response(
        {
            "id": "msg_1",
            "stop_reason": "tool_use",
            "content": [
                {"type": "thinking", "thinking": "hmm", "signature": "s"},
                {"type": "text", "text": "Looking it up."},
                {"type": "tool_use", "id": "toolu_9", "name": "lookup", "input": {"q": "é"}},
            ],
            "usage": {},
        },
        json_mode=False,
        created=1,
    )
    message = out["choices"][0]["message"]
    assert message["content"] == "Looking it up."
    assert message["tool_calls"][0]["id"] == "toolu_9"
    assert json.loads(message["tool_calls"][0]["function"]["arguments"]) == {"q": "é"}


def test_usage_counts_cache_reads_and_writes_as_prompt() -> None:
    usage = to_usage(
        {
            "input_tokens": 3,
            "cache_read_input_tokens": 100,
            "cache_creation_input_tokens": 50,
            "output_tokens": 7,
        }
    )
    assert usage == {
        "prompt_tokens": 153,
        "completion_tokens": 7,
        "total_tokens": 160,
        "prompt_tokens_details": {"cached_tokens": 100, "cache_write_tokens": 50},
    }


def test_error_types_map_to_statuses() -> None:
    assert error_failure({"error": {"type": "overloaded_error"}}).retryable
    assert error_failure({"error": {"type": "api_error"}}).status == 500
    bad = error_failure({"error": {"type": "invalid_request_error", "message": "no"}})
    assert (bad.status, bad.retryable, bad.detail) == (400, False, "no")


def feed_all(translator: AnthropicStreamTranslator, events: list[Json]) -> list[Json]:
    return [chunk for event in events for chunk in translator.feed(event)]


START = {
    "type": "message_start",
    "message": {"id": "msg_1", "model": "claude", "usage": {"input_tokens": 9, "output_tokens": 1}},
}


def test_stream_json_mode_streams_tool_input_as_content() -> None:
    chunks = feed_all(
        AnthropicStreamTranslator(json_mode=True, created=5),
        [
            START,
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {
                    "type": "tool_use",
                    "id": "toolu_1",
                    "name": JSON_TOOL,
                    "input": {},
                },
            },
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "input_json_delta", "partial_json": '{"a": '},
            },
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "input_json_delta", "partial_json": "1}"},
            },
            {"type": "content_block_stop", "index": 0},
            {
                "type": "message_delta",
                "delta": {"stop_reason": "tool_use"},
                "usage": {"output_tokens": 4, "input_tokens": None},
            },
            {"type": "message_stop"},
        ],
    )
    agg = StreamAggregate()
    for chunk in chunks:
        agg.add(chunk)
    whole = agg.to_completion()
    assert json.loads(whole["choices"][0]["message"]["content"]) == {"a": 1}
    assert whole["choices"][0]["finish_reason"] == "stop"
    assert "tool_calls" not in whole["choices"][0]["message"]
    assert chunks[-1]["usage"]["prompt_tokens"] == 9
    assert chunks[-1]["usage"]["completion_tokens"] == 4


def test_stream_tool_without_arguments_gets_empty_object() -> None:
    translator = AnthropicStreamTranslator(json_mode=False, created=5)
    chunks = feed_all(
        translator,
        [
            START,
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "tool_use", "id": "toolu_2", "name": "now", "input": {}},
            },
            {"type": "content_block_stop", "index": 0},
            {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {}},
            {"type": "message_stop"},
        ],
    )
    assert translator.done
    agg = StreamAggregate()
    for chunk in chunks:
        agg.add(chunk)
    assert agg.tool_calls[0]["function"] == {"name": "now", "arguments": "{}"}
    assert agg.finish_reason == "tool_calls"


def test_stream_error_event_raises_and_ignores_unknown_events() -> None:
    translator = AnthropicStreamTranslator(json_mode=False, created=5)
    assert feed_all(translator, [START, {"type": "ping"}, {"type": "some_future_event"}]) == []
    with pytest.raises(UpstreamFailure) as info:
        translator.feed(
            {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
        )
    assert info.value.retryable and info.value.status == 529
