"""Unit tests of the pure Gemini translation (edge cases the contract suite does not hit)."""

from __future__ import annotations

from typing import Any

import pytest
from tokaroo_edge.providers.base import UpstreamFailure
from tokaroo_edge.providers.gemini_wire import (
    GeminiStreamTranslator,
    call_id,
    from_embed_response,
    from_generate_response,
    model_path,
    to_embed_request,
    to_generate_request,
    to_usage,
)
from tokaroo_edge.schemas import ChatCompletionRequest, EmbeddingRequest

Json = dict[str, Any]
TOOL = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}


def req(**fields: Any) -> ChatCompletionRequest:
    fields.setdefault("messages", [{"role": "user", "content": "hi"}])
    return ChatCompletionRequest.model_validate({"model": "auto", **fields})


def response(parts: list[Json], finish: str | None = "STOP", **extra: Any) -> Json:
    candidate: Json = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    return {"candidates": [candidate], **extra}


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", {"mode": "AUTO"}),
        ("required", {"mode": "ANY"}),
        ("none", {"mode": "NONE"}),
        (
            {"type": "function", "function": {"name": "lookup"}},
            {"mode": "ANY", "allowedFunctionNames": ["lookup"]},
        ),
    ],
)
def test_tool_choice(choice: Any, expected: Json) -> None:
    body = to_generate_request(req(tools=[TOOL], tool_choice=choice))
    assert body["toolConfig"] == {"functionCallingConfig": expected}
    assert body["tools"][0]["functionDeclarations"][0]["parametersJsonSchema"] == {"type": "object"}


def test_tool_response_recovers_name_and_keeps_plain_text() -> None:
    body = to_generate_request(
        req(
            messages=[
                {"role": "user", "content": "go"},
                {
                    "role": "assistant",
                    "content": "Sure.",
                    "tool_calls": [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "lookup", "arguments": "{}"},
                        },
                        {
                            "id": "c2",
                            "type": "function",
                            "function": {"name": "clock", "arguments": ""},
                        },
                    ],
                },
                {"role": "tool", "tool_call_id": "c2", "content": "noon"},
                {"role": "tool", "tool_call_id": "c1", "content": "[1, 2]"},
            ]
        )
    )
    model, results = body["contents"][1:]
    assert model == {
        "role": "model",
        "parts": [
            {"text": "Sure."},
            {"functionCall": {"name": "lookup", "args": {}}},
            {"functionCall": {"name": "clock", "args": {}}},
        ],
    }
    assert results["parts"] == [
        {"functionResponse": {"name": "clock", "response": {"content": "noon"}}},
        {"functionResponse": {"name": "lookup", "response": {"content": [1, 2]}}},
    ]


def test_generation_config_and_json_object() -> None:
    body = to_generate_request(
        req(
            temperature=1.7,
            stop="END",
            max_completion_tokens=5,
            presence_penalty=0.5,
            response_format={"type": "json_object"},
        )
    )
    assert body["generationConfig"] == {
        "temperature": 1.7,
        "maxOutputTokens": 5,
        "presencePenalty": 0.5,
        "stopSequences": ["END"],
        "responseMimeType": "application/json",
    }
    assert "generationConfig" not in to_generate_request(req())


def test_only_system_becomes_user_content_and_model_path() -> None:
    body = to_generate_request(req(messages=[{"role": "developer", "content": "Say hi"}]))
    assert body == {"contents": [{"role": "user", "parts": [{"text": "Say hi"}]}]}
    assert model_path("models/gemini-2.5-pro") == model_path("gemini-2.5-pro")


def test_unsupported_part_is_retryable() -> None:
    with pytest.raises(UpstreamFailure) as info:
        to_generate_request(
            req(
                messages=[
                    {
                        "role": "user",
                        "content": [
                            {"type": "input_audio", "input_audio": {"data": "x", "format": "wav"}}
                        ],
                    }
                ]
            )
        )
    assert info.value.retryable and info.value.status == 400


@pytest.mark.parametrize(
    ("reason", "finish"),
    [
        ("STOP", "stop"),
        ("MAX_TOKENS", "length"),
        ("SAFETY", "content_filter"),
        ("RECITATION", "content_filter"),
        ("BLOCKLIST", "content_filter"),
        ("PROHIBITED_CONTENT", "content_filter"),
        ("OTHER", "stop"),
    ],
)
def test_finish_reasons(reason: str, finish: str) -> None:
    out = from_generate_response(response([{"text": "x"}], reason), model="g", created=1)
    assert out["choices"][0]["finish_reason"] == finish


def test_thoughts_skipped_ids_kept_or_derived_and_blocked_prompt() -> None:
    out = from_generate_response(
        response(
            [
                {"text": "thinking...", "thought": True},
                {"text": "Answer"},
                {"functionCall": {"id": "fc-1", "name": "a", "args": {"x": 1}}},
                {"functionCall": {"name": "b", "args": {"y": 2}}},
            ]
        ),
        model="g",
        created=1,
    )
    message = out["choices"][0]["message"]
    assert message["content"] == "Answer"
    assert [c["id"] for c in message["tool_calls"]] == ["fc-1", call_id(1, "b", {"y": 2})]
    assert call_id(1, "b", {"y": 2}) != call_id(0, "b", {"y": 2})
    assert out["choices"][0]["finish_reason"] == "tool_calls"
    blocked = from_generate_response(
        {"promptFeedback": {"blockReason": "SAFETY"}}, model="g", created=1
    )
    assert blocked["choices"][0] == {
        "index": 0,
        "finish_reason": "content_filter",
        "message": {"role": "assistant", "content": None},
    }


def test_usage_adds_thoughts_and_tool_prompt() -> None:
    assert to_usage(
        {
            "promptTokenCount": 10,
            "toolUsePromptTokenCount": 2,
            "candidatesTokenCount": 3,
            "thoughtsTokenCount": 4,
            "cachedContentTokenCount": 6,
        }
    ) == {
        "prompt_tokens": 12,
        "completion_tokens": 7,
        "total_tokens": 19,
        "prompt_tokens_details": {"cached_tokens": 6},
    }


def test_stream_translator_text_tools_finish_and_usage() -> None:
    translator = GeminiStreamTranslator(model="g", created=3)
    chunks = translator.feed(response([{"text": "Hi"}], None))
    chunks += translator.feed(
        response(
            [
                {"functionCall": {"name": "a", "args": {}}},
                {"functionCall": {"name": "b", "args": {}}},
            ],
            "STOP",
            usageMetadata={"promptTokenCount": 4, "candidatesTokenCount": 2},
        )
    )
    chunks += translator.close()
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    calls = [t for c in chunks for ch in c["choices"] for t in ch["delta"].get("tool_calls", [])]
    assert [(t["index"], t["function"]["name"], t["function"]["arguments"]) for t in calls] == [
        (0, "a", "{}"),
        (1, "b", "{}"),
    ]
    assert chunks[-2]["choices"][0]["finish_reason"] == "tool_calls"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] == 6


def test_stream_without_finish_is_a_protocol_failure() -> None:
    translator = GeminiStreamTranslator(model="g", created=3)
    translator.feed(response([{"text": "Hi"}], None))
    with pytest.raises(UpstreamFailure) as info:
        translator.close()
    assert info.value.kind == "protocol" and info.value.retryable
    with pytest.raises(UpstreamFailure) as err:
        translator.feed({"error": {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"}})
    assert err.value.status == 503 and err.value.retryable


def test_embeddings_round_trip() -> None:
    request = EmbeddingRequest.model_validate({"input": "a longer sentence", "dimensions": 8})
    assert to_embed_request(request, "gemini-embedding-001") == {
        "requests": [
            {
                "model": "models/gemini-embedding-001",
                "content": {"parts": [{"text": "a longer sentence"}]},
                "outputDimensionality": 8,
            }
        ]
    }
    out = from_embed_response(
        {"embeddings": [{"values": [1, 2.5]}]}, ["a longer sentence"], model="gemini-embedding-001"
    )
    assert out["data"] == [{"object": "embedding", "index": 0, "embedding": [1.0, 2.5]}]
    assert out["usage"] == {"prompt_tokens": 5, "total_tokens": 5}
    with pytest.raises(UpstreamFailure):
        from_embed_response({"embeddings": []}, ["x"], model="m")
    with pytest.raises(UpstreamFailure):
        to_embed_request(EmbeddingRequest.model_validate({"input": [[1, 2]]}), "m")
