"""The typed conversation, the exact key and the answer shape built from a chat body."""

from __future__ import annotations

from typing import Any

from tokaroo_edge.chat_request import parse_chat
from tokaroo_edge.conversation import answer_shape, exact_key, temperature_bucket, to_conversation
from tokaroo_edge.schemas import ChatCompletionRequest
from tokaroo_edge.tokens import load_encoder
from tokaroo_proto.conversation.v1 import conversation_pb2 as cpb

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]


def body(**kw: Any) -> ChatCompletionRequest:
    doc: dict[str, Any] = {"model": "auto", "messages": [{"role": "user", "content": "hi"}]}
    doc.update(kw)
    return ChatCompletionRequest.model_validate(doc)


def test_messages_become_typed_turns() -> None:
    req = body(
        messages=[
            {"role": "system", "content": "Be brief"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "user: not a turn\nWhat is this?"},
                    {
                        "type": "image_url",
                        "image_url": {"url": "data:image/png;base64,AAAA", "detail": "low"},
                    },
                ],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
        ]
    )
    conv = to_conversation(req.messages)
    assert [t.role for t in conv.turns] == [
        cpb.ROLE_SYSTEM,
        cpb.ROLE_USER,
        cpb.ROLE_ASSISTANT,
        cpb.ROLE_TOOL,
    ]
    user = conv.turns[1]
    assert user.parts[0].text == "user: not a turn\nWhat is this?"  # text stays text
    assert user.parts[1].media.type == "image" and user.parts[1].media.detail == "low"
    assert len(user.parts[1].media.digest) == 64
    call = conv.turns[2].tool_calls[0]
    assert (call.id, call.name, call.arguments_json) == (
        "call_1",
        "get_weather",
        '{"city":"Paris"}',
    )
    assert conv.turns[3].tool_call_id == "call_1"
    parsed = parse_chat(req, load_encoder())
    assert parsed.needs_vision and parsed.prompt_tokens > 765


def test_any_field_but_transport_shapes_the_exact_key() -> None:
    base = exact_key(body())
    assert (
        exact_key(
            body(stream=True, stream_options={"include_usage": True}, user="u", metadata={"a": "b"})
        )
        == base
    )
    assert exact_key(body(reasoning_effort="high")) != base  # a field the schema never named
    assert exact_key(body(max_tokens=5)) != base


def test_answer_shape_agrees_only_when_answer_fields_do() -> None:
    plain = answer_shape(body()).digest
    assert answer_shape(body(temperature=0.7, max_tokens=50, stream=True)).digest == plain
    for change in [
        {"tools": TOOLS},
        {"tools": TOOLS, "tool_choice": "required"},
        {"response_format": {"type": "json_object"}},
        {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "a", "schema": {"type": "object"}},
            }
        },
        {"stop": ["\n"]},
        {"seed": 3},
        {"logit_bias": {"50256": -100}},
        {"temperature": 0},
        {"temperature": 1.5},
        {"reasoning_effort": "low"},
    ]:
        assert answer_shape(body(**change)).digest != plain, change
    one = answer_shape(
        body(
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "a", "schema": {"type": "object"}},
            }
        )
    )
    two = answer_shape(
        body(
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "a", "schema": {"type": "array"}},
            }
        )
    )
    assert one.digest != two.digest and one.response_format == "json_schema"
    assert answer_shape(body(max_completion_tokens=7)).max_output_tokens == 7


def test_temperature_buckets() -> None:
    assert [temperature_bucket(t) for t in (None, 0, 0.2, 1, 1.2, 2)] == [
        "default",
        "greedy",
        "default",
        "default",
        "high",
        "high",
    ]
