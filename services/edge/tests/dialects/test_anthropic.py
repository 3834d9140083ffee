"""The Anthropic Messages dialect: request translation (including hostile and malformed
bodies), responses, the stream's event sequence, the error shape, and the route through the
real pipeline over fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from pydantic import ValidationError
from tokaroo_common.errors import AuthenticationFailed, InsufficientBalance, InvalidRequest
from tokaroo_common.money import format_usd
from tokaroo_edge.auth import presented_key
from tokaroo_edge.conversation import exact_key, to_conversation
from tokaroo_edge.dialects.anthropic import (
    CountTokensRequest,
    MessagesRequest,
    error_body,
    reasoning_effort,
    to_chat_request,
)
from tokaroo_edge.dialects.anthropic_answer import MessageStream, messages_sse, to_message
from tokaroo_edge.routes import messages

Json = dict[str, Any]
TOOLS = [
    {
        "name": "get_weather",
        "description": "Weather of a city",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
    }
]


def canon(**body: Any) -> Any:
    doc: Json = {
        "model": "auto",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "hi"}],
        **body,
    }
    return to_chat_request(MessagesRequest.model_validate(doc))


def dumped(**body: Any) -> list[Json]:
    return [m.model_dump(exclude_none=True) for m in canon(**body).messages]


# ---- request ----------------------------------------------------------------------------
def test_system_text_blocks_and_sampling_fields() -> None:
    req = canon(
        system=[
            {"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}},
            {"type": "text", "text": "Be kind."},
        ],
        temperature=0.3,
        top_p=0.9,
        top_k=5,
        stop_sequences=["END"],
        metadata={"user_id": "u-1"},
        stream=True,
    )
    assert req.messages[0].model_dump(exclude_none=True) == {
        "role": "system",
        "content": [
            {
                "type": "text",
                "text": "Be brief.\n\nBe kind.",
                "cache_control": {"type": "ephemeral"},
            }
        ],
    }
    assert (req.max_tokens, req.temperature, req.top_p, req.stop, req.user, req.stream) == (
        64,
        0.3,
        0.9,
        ["END"],
        "u-1",
        True,
    )
    assert req.model_extra == {"top_k": 5}
    assert canon(system="Be brief.").messages[0].content == "Be brief."


def test_the_clients_cache_breakpoints_reach_the_upstream_request() -> None:
    """Prompt-cache marks on the system prompt, a text block and a tool survive the
    translation, and the Anthropic adapter sends them (it adds none of its own then)."""
    from tokaroo_edge.providers.anthropic_wire import to_messages_request

    mark = {"type": "ephemeral", "ttl": "1h"}
    req = canon(
        system=[{"type": "text", "text": "Rules.", "cache_control": mark}],
        tools=[{**TOOLS[0], "cache_control": mark}],
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Long context.", "cache_control": mark},
                    {"type": "text", "text": "Question?"},
                ],
            }
        ],
    )
    body = to_messages_request(req, "claude-x", stream=False)
    assert body["system"] == [{"type": "text", "text": "Rules.", "cache_control": mark}]
    assert body["tools"][0]["cache_control"] == mark
    first, second = body["messages"][0]["content"]
    assert first["cache_control"] == mark and "cache_control" not in second
    assert dumped(system="plain")[0] == {"role": "system", "content": "plain"}


def test_images_base64_and_url_become_image_parts() -> None:
    (user,) = dumped(
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "what is this?"},
                    {
                        "type": "image",
                        "source": {
                            "type": "base64",
                            "media_type": "image/png",
                            "data": "iVBORw0KGgo=",
                        },
                    },
                    {
                        "type": "image",
                        "source": {"type": "url", "url": "https://example.com/a.png"},
                    },
                ],
            }
        ]
    )
    assert user["content"] == [
        {"type": "text", "text": "what is this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
    ]


def test_a_tool_round_trip_keeps_the_tool_use_id() -> None:
    out = dumped(
        tools=TOOLS,
        messages=[
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Let me look."},
                    {
                        "type": "tool_use",
                        "id": "toolu_01ABC",
                        "name": "get_weather",
                        "input": {"city": "Paris"},
                    },
                ],
            },
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "toolu_01ABC",
                        "content": [{"type": "text", "text": "Sunny"}],
                    },
                    {"type": "text", "text": "And tomorrow?"},
                ],
            },
        ],
    )
    assert out[1] == {
        "role": "assistant",
        "content": "Let me look.",
        "tool_calls": [
            {
                "id": "toolu_01ABC",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
            }
        ],
    }
    assert out[2] == {"role": "tool", "tool_call_id": "toolu_01ABC", "content": "Sunny"}
    assert out[3] == {"role": "user", "content": [{"type": "text", "text": "And tomorrow?"}]}
    conversation = to_conversation(
        canon(
            tools=TOOLS,
            messages=[
                {"role": "user", "content": "x"},
                {
                    "role": "assistant",
                    "content": [
                        {
                            "type": "tool_use",
                            "id": "toolu_01ABC",
                            "name": "get_weather",
                            "input": {},
                        }
                    ],
                },
                {
                    "role": "user",
                    "content": [
                        {"type": "tool_result", "tool_use_id": "toolu_01ABC", "content": "ok"}
                    ],
                },
            ],
        ).messages
    )
    assert (
        conversation.turns[1].tool_calls[0].id
        == conversation.turns[2].tool_call_id
        == "toolu_01ABC"
    )


def test_error_results_and_images_returned_by_a_tool() -> None:
    out = dumped(
        messages=[
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "t1",
                        "is_error": True,
                        "content": "boom",
                    },
                    {
                        "type": "tool_result",
                        "tool_use_id": "t2",
                        "content": [
                            {"type": "image", "source": {"type": "url", "url": "https://e.x/i.png"}}
                        ],
                    },
                ],
            }
        ]
    )
    assert out[0] == {"role": "tool", "tool_call_id": "t1", "content": "Error: boom"}
    assert out[1] == {"role": "tool", "tool_call_id": "t2", "content": ""}
    assert out[2]["content"][0]["type"] == "image_url"


def test_tools_and_tool_choice() -> None:
    req = canon(
        tools=TOOLS,
        tool_choice={"type": "tool", "name": "get_weather", "disable_parallel_tool_use": True},
    )
    assert req.tools == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "parameters": TOOLS[0]["input_schema"],
                "description": "Weather of a city",
            },
        }
    ]
    assert req.tool_choice == {"type": "function", "function": {"name": "get_weather"}}
    assert req.parallel_tool_calls is False
    assert canon(tools=TOOLS, tool_choice={"type": "any"}).tool_choice == "required"
    assert canon(tools=TOOLS, tool_choice={"type": "auto"}).tool_choice == "auto"
    assert canon(tools=TOOLS, tool_choice={"type": "none"}).tool_choice == "none"


def test_thinking_is_accepted_and_shapes_the_cache_key() -> None:
    assert reasoning_effort({"type": "enabled", "budget_tokens": 2000}) == "low"
    assert reasoning_effort({"type": "enabled", "budget_tokens": 20000}) == "high"
    assert reasoning_effort({"type": "adaptive"}) == "medium"
    assert reasoning_effort({"type": "disabled"}) is None
    assert reasoning_effort({"type": "enabled", "budget_tokens": "lots"}) == "medium"
    thinking = canon(thinking={"type": "enabled", "budget_tokens": 2000})
    assert exact_key(thinking) != exact_key(canon())
    # the model's earlier reasoning in the history is dropped, not refused
    out = dumped(
        messages=[
            {"role": "user", "content": "q"},
            {
                "role": "assistant",
                "content": [
                    {"type": "thinking", "thinking": "hmm", "signature": "sig"},
                    {"type": "text", "text": "a"},
                ],
            },
            {"role": "user", "content": "q2"},
        ]
    )
    assert out[1] == {"role": "assistant", "content": "a"}


def test_the_same_body_gives_the_same_exact_key() -> None:
    body = {"tools": TOOLS, "system": [{"type": "text", "text": "s"}]}
    assert exact_key(canon(**body)) == exact_key(canon(**body))


def test_count_tokens_needs_no_max_tokens() -> None:
    req = to_chat_request(
        CountTokensRequest.model_validate(
            {"model": "auto", "messages": [{"role": "user", "content": "hi"}], "tools": TOOLS}
        )
    )
    assert req.max_tokens is None and req.tools is not None


@pytest.mark.parametrize(
    "body",
    [
        {"model": "auto", "messages": [{"role": "user", "content": "hi"}]},  # no max_tokens
        {"model": "auto", "max_tokens": 0, "messages": [{"role": "user", "content": "hi"}]},
        {"model": "auto", "max_tokens": 5, "messages": []},
        {"model": "auto", "max_tokens": 5, "messages": [{"role": "system", "content": "hi"}]},
        {"model": "auto", "max_tokens": 5, "messages": [{"role": "user", "content": 5}]},
        {
            "model": "auto",
            "max_tokens": 5,
            "messages": [{"role": "user", "content": "x"}],
            "temperature": 1.5,
        },
        {"model": "", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]},
        {"model": "auto", "max_tokens": "many", "messages": [{"role": "user", "content": "x"}]},
        {"model": "auto", "max_tokens": 5, "messages": [{"role": "user", "content": [1, 2]}]},
    ],
)
def test_malformed_bodies_fail_validation(body: Json) -> None:
    with pytest.raises(ValidationError):
        MessagesRequest.model_validate(body)


@pytest.mark.parametrize(
    "extra",
    [
        {"tools": [{"type": "web_search_20250305", "name": "web_search"}]},
        {"tools": [{"name": "f"}]},
        {"tools": [{"name": "", "input_schema": {}}]},
        {"tools": TOOLS, "tool_choice": {"type": "tool", "name": "nope"}},
        {"tools": TOOLS, "tool_choice": {"type": "sometimes"}},
        {"system": [{"type": "image"}]},
        {"system": [{"type": "text", "text": 5}]},
        {"messages": [{"role": "user", "content": [{"type": "video"}]}]},
        {"messages": [{"role": "user", "content": [{"type": "image", "source": "x"}]}]},
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "image",
                            "source": {"type": "base64", "media_type": "image/tiff", "data": "AA"},
                        }
                    ],
                }
            ]
        },
        {
            "messages": [
                {"role": "user", "content": [{"type": "image", "source": {"type": "file"}}]}
            ]
        },
        {"messages": [{"role": "user", "content": [{"type": "tool_result"}]}]},
        {
            "messages": [
                {
                    "role": "user",
                    "content": [{"type": "tool_result", "tool_use_id": "t", "content": 42}],
                }
            ]
        },
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "tool_result", "tool_use_id": "t", "content": ["not a block"]}
                    ],
                }
            ]
        },
        {
            "messages": [
                {"role": "user", "content": "x"},
                {
                    "role": "assistant",
                    "content": [{"type": "tool_use", "id": "t", "name": "f", "input": [1]}],
                },
            ]
        },
        {
            "messages": [
                {"role": "user", "content": "x"},
                {"role": "assistant", "content": [{"type": "tool_use", "name": "f", "input": {}}]},
            ]
        },
        {
            "messages": [
                {"role": "user", "content": "x"},
                {
                    "role": "assistant",
                    "content": [
                        {"type": "server_tool_use", "id": "s", "name": "web_search", "input": {}}
                    ],
                },
            ]
        },
        {"stop_sequences": ["a", "b", "c", "d", "e"]},
    ],
)
def test_what_cannot_be_served_is_a_clear_400(extra: Json) -> None:
    with pytest.raises(InvalidRequest) as caught:
        canon(**extra)
    assert caught.value.status == 400 and caught.value.message


def test_server_tools_are_refused_by_name() -> None:
    with pytest.raises(InvalidRequest, match="web_search_20250305"):
        canon(tools=[{"type": "web_search_20250305", "name": "web_search", "max_uses": 3}])


# ---- response ---------------------------------------------------------------------------
def completion(message: Json, finish: str, **choice: Any) -> Json:
    return {
        "id": "chatcmpl-x",
        "object": "chat.completion",
        "model": "auto",
        "choices": [{"index": 0, "message": message, "finish_reason": finish, **choice}],
        "usage": {
            "prompt_tokens": 12,
            "completion_tokens": 5,
            "total_tokens": 17,
            "prompt_tokens_details": {"cached_tokens": 2},
            "cost_usd": "0.000001000",
        },
    }


def test_a_text_answer_as_a_message() -> None:
    out = to_message(
        completion({"role": "assistant", "content": "Hi!"}, "stop"),
        request_id="0190-ab",
        model="claude-sonnet-4-6",
    )
    assert out == {
        "id": "msg_0190ab",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-6",
        "content": [{"type": "text", "text": "Hi!"}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": 10,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 2,
            "output_tokens": 5,
            "cost_usd": "0.000001000",
        },
    }


def test_tool_calls_limits_and_stop_sequences() -> None:
    calls = [
        {
            "id": "toolu_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
        },
        {"id": "call_2", "type": "function", "function": {"name": "f", "arguments": ""}},
    ]
    out = to_message(
        completion({"role": "assistant", "content": None, "tool_calls": calls}, "tool_calls"),
        request_id="r",
        model="auto",
    )
    assert out["content"] == [
        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
        {"type": "tool_use", "id": "call_2", "name": "f", "input": {}},
    ]
    assert out["stop_reason"] == "tool_use"
    cut = to_message(
        completion({"role": "assistant", "content": "Hi"}, "length"), request_id="r", model="auto"
    )
    assert cut["stop_reason"] == "max_tokens"
    stopped = to_message(
        completion({"role": "assistant", "content": "Hi"}, "stop", stop_reason="END"),
        request_id="r",
        model="auto",
        stops=["END"],
    )
    assert (stopped["stop_reason"], stopped["stop_sequence"]) == ("stop_sequence", "END")
    broken = to_message(
        completion(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": "t", "function": {"name": "f", "arguments": "{not json"}}],
            },
            "tool_calls",
        ),
        request_id="r",
        model="auto",
    )
    assert broken["content"][0]["input"] == {"arguments": "{not json"}


def test_the_error_shape() -> None:
    assert error_body(InvalidRequest("bad"), 400) == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "bad"},
    }
    assert error_body(AuthenticationFailed("no"), 401)["error"]["type"] == "authentication_error"
    assert error_body(InsufficientBalance("$"), 402)["error"]["type"] == "billing_error"
    kinds = {
        s: error_body(InvalidRequest("x"), s)["error"]["type"]
        for s in (403, 404, 405, 413, 429, 500, 502, 503, 504)
    }
    assert kinds == {
        403: "permission_error",
        404: "not_found_error",
        405: "invalid_request_error",
        413: "request_too_large",
        429: "rate_limit_error",
        500: "api_error",
        502: "api_error",
        503: "overloaded_error",
        504: "timeout_error",
    }


def test_the_api_key_comes_from_authorization_or_x_api_key() -> None:
    assert presented_key("Bearer tok_a", None) == "tok_a"
    assert presented_key(None, "tok_b") == "tok_b"
    assert presented_key("Bearer tok_a", "tok_b") == "tok_a"
    for auth, key in [
        (None, None),
        (None, ""),
        (None, "   "),
        ("Basic x", "tok_b"),
        (None, "x" * 600),
    ]:
        with pytest.raises(AuthenticationFailed):
            presented_key(auth, key)


# ---- stream -----------------------------------------------------------------------------
def events(frames: list[bytes]) -> list[tuple[str, Json]]:
    out = []
    for frame in b"".join(frames).split(b"\n\n"):
        if frame:
            name, data = frame.split(b"\n", 1)
            out.append(
                (name.removeprefix(b"event: ").decode(), orjson.loads(data.removeprefix(b"data: ")))
            )
    return out


def chunk(delta: Json, finish: str | None = None) -> Json:
    return {
        "id": "chatcmpl-x",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


USAGE = {
    "id": "chatcmpl-x",
    "choices": [],
    "usage": {
        "prompt_tokens": 9,
        "completion_tokens": 4,
        "total_tokens": 13,
        "cost_usd": "0.000000500",
    },
}


async def run(chunks: list[Json]) -> list[tuple[str, Json]]:
    async def source() -> AsyncIterator[Json]:
        for c in chunks:
            yield c

    stream = MessageStream("msg_1", "auto", 8, ["END"])
    return events([f async for f in messages_sse(source(), stream)])


async def test_a_text_then_tool_stream_is_anthropics_event_sequence() -> None:
    out = await run(
        [
            chunk({"role": "assistant", "content": ""}),
            chunk({"content": "Let "}),
            chunk({"content": "me see."}),
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "toolu_9",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": ""},
                        }
                    ]
                }
            ),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"city":'}}]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"Paris"}'}}]}),
            chunk({}, "tool_calls"),
            USAGE,
        ]
    )
    names = [n for n, _ in out]
    assert names == [
        "message_start",
        "ping",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    start = out[0][1]["message"]
    assert (start["id"], start["model"], start["usage"]["input_tokens"]) == ("msg_1", "auto", 8)
    assert out[2][1] == {
        "type": "content_block_start",
        "index": 0,
        "content_block": {"type": "text", "text": ""},
    }
    assert out[3][1]["delta"] == {"type": "text_delta", "text": "Let "}
    assert out[6][1]["content_block"] == {
        "type": "tool_use",
        "id": "toolu_9",
        "name": "get_weather",
        "input": {},
    }
    assert [e[1]["delta"]["partial_json"] for e in out[7:9]] == ['{"city":', '"Paris"}']
    assert out[9][1]["index"] == 1
    delta = out[10][1]
    assert delta["delta"] == {"stop_reason": "tool_use", "stop_sequence": None}
    assert delta["usage"]["output_tokens"] == 4 and delta["usage"]["input_tokens"] == 9
    assert delta["usage"]["cost_usd"] == "0.000000500"


async def test_a_stream_cut_by_a_stop_sequence_or_the_limit() -> None:
    out = await run(
        [
            chunk({"content": "Hi"}),
            chunk({}, "stop")
            | {
                "choices": [
                    {"index": 0, "delta": {}, "finish_reason": "stop", "stop_reason": "END"}
                ]
            },
            USAGE,
        ]
    )
    assert out[-2][1]["delta"] == {"stop_reason": "stop_sequence", "stop_sequence": "END"}
    out = await run([chunk({"content": "Hi"}), chunk({}, "length"), USAGE])
    assert out[-2][1]["delta"]["stop_reason"] == "max_tokens"


async def test_an_upstream_break_mid_stream_is_an_error_event() -> None:
    out = await run(
        [
            chunk({"content": "Hi"}),
            {
                "error": {
                    "message": "interrupted",
                    "type": "api_error",
                    "code": "stream_interrupted",
                }
            },
            chunk({"content": "never"}),
        ]
    )
    assert [n for n, _ in out][-2:] == ["content_block_stop", "error"]
    assert out[-1][1] == {"type": "error", "error": {"type": "api_error", "message": "interrupted"}}


# ---- the route, through the real pipeline over fakes -------------------------------------
def anthropic_edge(edge: Any) -> Any:
    edge.app.include_router(messages.router)
    return edge


async def post(edge: Any, payload: Any, **kw: Any) -> Any:
    async with anthropic_edge(edge).client() as client:
        return await client.post(
            "/v1/messages?beta=true",
            headers={
                "x-tokaroo-cache-control": "no-cache",
                "anthropic-version": "2023-06-01",
                "anthropic-beta": "anything-goes",
            },
            **kw,
            **({"json": payload} if payload is not None else {}),
        )


BODY = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 50,
    "messages": [{"role": "user", "content": "say hello world"}],
}


async def test_the_route_answers_a_message_with_its_cost(edge: Any) -> None:
    resp = await post(edge, BODY)
    assert resp.status_code == 200, resp.text
    out = resp.json()
    assert out["type"] == "message" and out["model"] == "claude-sonnet-4-6"
    assert out["content"] == [{"type": "text", "text": "Hello world"}]
    assert out["id"] == "msg_" + resp.headers["x-request-id"].replace("-", "")
    assert resp.headers["x-tokaroo-cost"] == out["usage"]["cost_usd"]
    assert resp.headers["x-tokaroo-cache"] == "miss"
    event = edge.only_event()
    assert (event.endpoint, event.status, event.model_requested) == (
        "messages",
        "ok",
        "claude-sonnet-4-6",
    )


async def test_the_route_streams_events_with_the_cost(edge: Any) -> None:
    resp = await post(edge, {**BODY, "stream": True})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/event-stream")
    out = events([resp.content])
    assert out[0][0] == "message_start" and out[-1][0] == "message_stop"
    assert (
        "".join(e["delta"].get("text", "") for n, e in out if n == "content_block_delta")
        == "Hello world"
    )
    assert out[-2][1]["usage"]["cost_usd"] == format_usd(edge.only_event().charged_nano)


@pytest.mark.parametrize(
    ("payload", "raw", "status", "kind"),
    [
        (None, b"{not json", 400, "invalid_request_error"),
        (
            {"model": "auto", "messages": [{"role": "user", "content": "x"}]},
            None,
            400,
            "invalid_request_error",
        ),
        (
            {**BODY, "tools": [{"type": "web_search_20250305", "name": "web_search"}]},
            None,
            400,
            "invalid_request_error",
        ),
    ],
)
async def test_route_errors_are_anthropic_shaped(
    edge: Any, payload: Json | None, raw: bytes | None, status: int, kind: str
) -> None:
    resp = await post(edge, payload, **({"content": raw} if raw is not None else {}))
    assert resp.status_code == status
    assert resp.json()["type"] == "error" and resp.json()["error"]["type"] == kind
    assert resp.json()["error"]["message"]


async def test_an_empty_balance_is_a_billing_error(edge: Any) -> None:
    edge.ledger.available_nano = 0
    resp = await post(edge, BODY)
    assert resp.status_code == 402
    assert resp.json()["error"]["type"] == "billing_error"


async def test_chat_errors_keep_the_openai_shape(edge: Any) -> None:
    anthropic_edge(edge)
    async with edge.client() as client:
        resp = await client.post("/v1/chat/completions", content=b"{not json")
    assert resp.status_code == 400 and resp.json()["error"]["type"] == "invalid_request_error"
    assert "type" not in resp.json() or resp.json().get("type") != "error"


async def test_count_tokens_and_hello(edge: Any) -> None:
    anthropic_edge(edge)
    async with edge.client() as client:
        counted = await client.post(
            "/v1/messages/count_tokens?beta=true",
            json={"model": "auto", "messages": [{"role": "user", "content": "one two three"}]},
        )
        hello = await client.head("/api/hello")
        wrong = await client.get("/v1/messages")
    assert counted.status_code == 200 and counted.json()["input_tokens"] > 0
    assert hello.status_code == 200
    assert wrong.status_code == 405 and wrong.json()["type"] == "error"
