"""The Responses API dialect, pure: request bodies to the canonical chat request, chat
completions to response objects, pipeline chunks to the Responses event stream."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from tokaroo_common.errors import InvalidRequest
from tokaroo_edge.dialects.responses import (
    ResponsesRequest,
    base_response,
    input_messages,
    items_to_messages,
    response_id,
    to_chat_request,
    to_response,
)
from tokaroo_edge.dialects.responses_stream import ResponsesStream
from tokaroo_edge.schemas import Message
from tokaroo_edge.shaping import replay_chunks

Json = dict[str, Any]
RID = "0190f1e2-0000-7000-8000-0000000000ff"
TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    "strict": True,
}


def req(**fields: Any) -> ResponsesRequest:
    return ResponsesRequest.model_validate({"model": "auto", **fields})


def dumped(messages: list[Message]) -> list[Json]:
    return [m.model_dump(exclude_none=True) for m in messages]


def test_string_input_and_instructions() -> None:
    chat = to_chat_request(
        req(
            input="Hi",
            instructions="Be brief.",
            max_output_tokens=50,
            temperature=0.2,
            top_p=0.9,
            user="u",
        ),
        [],
    )
    assert dumped(chat.messages) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
    ]
    assert chat.max_completion_tokens == 50 and chat.temperature == 0.2 and chat.top_p == 0.9
    assert chat.user == "u" and chat.tools is None and chat.response_format is None


def test_items_roles_parts_and_function_calls() -> None:
    items = [
        {"role": "developer", "content": "Rules."},
        {
            "type": "message",
            "role": "user",
            "content": [
                {"type": "input_text", "text": "What is "},
                {"type": "input_text", "text": "this?"},
                {"type": "input_image", "image_url": "data:image/png;base64,AAAA", "detail": "low"},
            ],
        },
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "Let me look.", "annotations": []}],
        },
        {"type": "function_call", "call_id": "call_1", "name": "f", "arguments": "{}"},
        {"type": "function_call", "call_id": "call_2", "name": "g", "arguments": '{"a":1}'},
        {"type": "reasoning", "id": "rs_1", "summary": []},
        {"type": "function_call_output", "call_id": "call_1", "output": "one"},
        {
            "type": "function_call_output",
            "call_id": "call_2",
            "output": [{"type": "input_text", "text": "two"}],
        },
    ]
    assert dumped(items_to_messages(items)) == [
        {"role": "developer", "content": "Rules."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is "},
                {"type": "text", "text": "this?"},
                {
                    "type": "image_url",
                    "image_url": {"url": "data:image/png;base64,AAAA", "detail": "low"},
                },
            ],
        },
        {
            "role": "assistant",
            "content": "Let me look.",
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}},
                {
                    "id": "call_2",
                    "type": "function",
                    "function": {"name": "g", "arguments": '{"a":1}'},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "one"},
        {"role": "tool", "tool_call_id": "call_2", "content": "two"},
    ]


def test_history_comes_between_instructions_and_input() -> None:
    history = [Message(role="user", content="Earlier"), Message(role="assistant", content="Ok")]
    chat = to_chat_request(req(input="Now", instructions="New rules"), history)
    assert [m.content for m in chat.messages] == ["New rules", "Earlier", "Ok", "Now"]
    assert input_messages(req(input="Now", instructions="New rules"))[0].content == "Now"


def test_tools_tool_choice_and_text_formats() -> None:
    chat = to_chat_request(
        req(
            input="x",
            tools=[TOOL],
            parallel_tool_calls=False,
            tool_choice={"type": "function", "name": "get_weather"},
            text={
                "format": {
                    "type": "json_schema",
                    "name": "r",
                    "schema": {"type": "object"},
                    "strict": True,
                }
            },
        ),
        [],
    )
    assert chat.tools == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "parameters": TOOL["parameters"],
                "description": "weather",
                "strict": True,
            },
        }
    ]
    assert chat.tool_choice == {"type": "function", "function": {"name": "get_weather"}}
    assert chat.parallel_tool_calls is False
    assert chat.response_format == {
        "type": "json_schema",
        "json_schema": {"name": "r", "schema": {"type": "object"}, "strict": True},
    }
    assert to_chat_request(
        req(input="x", text={"format": {"type": "json_object"}}), []
    ).response_format == {"type": "json_object"}
    assert (
        to_chat_request(req(input="x", text={"format": {"type": "text"}}), []).response_format
        is None
    )


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"tools": [{"type": "web_search"}]}, "tools[0].type"),
        ({"tools": [TOOL, {"type": "file_search", "vector_store_ids": []}]}, "tools[1].type"),
        ({"tools": [{"type": "code_interpreter"}]}, "tools[0].type"),
        ({"tools": [{"type": "computer_use_preview"}]}, "tools[0].type"),
        ({"input": [{"type": "item_reference", "id": "msg_1"}]}, "input[0].type"),
        ({"input": [{"role": "tool", "content": "x"}]}, "input[0].role"),
        ({"input": [{"type": "function_call_output", "output": "x"}]}, "input[0]"),
        (
            {"input": [{"role": "user", "content": [{"type": "input_image", "file_id": "f"}]}]},
            "input[0].content[0]",
        ),
        ({"text": {"format": {"type": "json_schema", "schema": {}}}}, "text.format"),
        ({"input": []}, "input"),
    ],
)
def test_refusals_name_the_field(fields: Json, param: str) -> None:
    with pytest.raises(InvalidRequest) as err:
        to_chat_request(req(**{"input": "x", **fields}), [])
    assert err.value.param == param


def base(**fields: Any) -> Json:
    return base_response(req(input="x", **fields), response_id(RID), 1700000000)


def completion(message: Json, finish: str = "stop") -> Json:
    return {
        "id": "chatcmpl-x",
        "object": "chat.completion",
        "model": "auto",
        "choices": [
            {"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish}
        ],
        "usage": {
            "prompt_tokens": 10,
            "completion_tokens": 5,
            "total_tokens": 15,
            "cost_usd": "0.000001",
            "prompt_tokens_details": {"cached_tokens": 2},
        },
    }


def test_base_echoes_the_request() -> None:
    b = base(instructions="I", metadata={"k": "v"}, max_output_tokens=9, store=False)
    assert b["id"] == "resp_0190f1e2000070008000" + "0000000000ff"
    assert b["object"] == "response" and b["model"] == "auto" and b["status"] == "in_progress"
    assert (b["instructions"], b["metadata"], b["max_output_tokens"], b["store"]) == (
        "I",
        {"k": "v"},
        9,
        False,
    )
    assert b["text"] == {"format": {"type": "text"}} and b["tool_choice"] == "auto"


def test_text_answer() -> None:
    out = to_response(completion({"content": "Hello"}), base())
    assert out["status"] == "completed" and out["incomplete_details"] is None
    assert out["output"] == [
        {
            "type": "message",
            "id": "msg_" + out["id"][5:],
            "status": "completed",
            "role": "assistant",
            "content": [
                {"type": "output_text", "text": "Hello", "annotations": [], "logprobs": []}
            ],
        }
    ]
    assert out["usage"] == {
        "input_tokens": 10,
        "input_tokens_details": {"cached_tokens": 2},
        "output_tokens": 5,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 15,
        "cost_usd": "0.000001",
    }


def test_tool_calls_keep_their_ids_and_round_trip() -> None:
    out = to_response(
        completion(
            {
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_A",
                        "type": "function",
                        "function": {"name": "f", "arguments": "{}"},
                    },
                    {
                        "id": "call_B",
                        "type": "function",
                        "function": {"name": "g", "arguments": "[]"},
                    },
                ],
            },
            "tool_calls",
        ),
        base(),
    )
    assert [(o["type"], o["call_id"], o["name"], o["arguments"]) for o in out["output"]] == [
        ("function_call", "call_A", "f", "{}"),
        ("function_call", "call_B", "g", "[]"),
    ]
    assert len({o["id"] for o in out["output"]}) == 2
    back = dumped(items_to_messages(out["output"]))
    assert [c["id"] for c in back[0]["tool_calls"]] == ["call_A", "call_B"]


def test_length_is_incomplete() -> None:
    out = to_response(completion({"content": "cut"}, "length"), base())
    assert out["status"] == "incomplete"
    assert out["incomplete_details"] == {"reason": "max_output_tokens"}


def events(frames: list[bytes]) -> list[tuple[str, Json]]:
    out = []
    for frame in frames:
        head, data = frame.decode().strip().split("\n")
        name, body = head.removeprefix("event: "), orjson.loads(data.removeprefix("data: "))
        assert body["type"] == name
        out.append((name, body))
    return out


def run_stream(chunks: list[Json]) -> tuple[list[tuple[str, Json]], ResponsesStream]:
    stream = ResponsesStream(base())
    frames = stream.start()
    for chunk in chunks:
        frames += stream.feed(chunk)
    return events(frames), stream


USAGE = {
    "choices": [],
    "usage": {
        "prompt_tokens": 3,
        "completion_tokens": 2,
        "total_tokens": 5,
        "cost_usd": "0.000002",
    },
}


def test_stream_of_text() -> None:
    chunks = replay_chunks(completion({"content": "Hello there, how are you today?"}))
    evs, stream = run_stream([*chunks, USAGE])
    names = [n for n, _ in evs]
    assert names[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert names[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [b["sequence_number"] for _, b in evs] == list(range(len(evs)))
    text = "".join(b["delta"] for n, b in evs if n == "response.output_text.delta")
    assert text == "Hello there, how are you today?"
    final = evs[-1][1]["response"]
    assert final == stream.final and final["status"] == "completed"
    assert final["output"][0]["content"][0]["text"] == text
    assert final["usage"]["output_tokens"] == 2 and final["usage"]["cost_usd"] == "0.000002"


def test_stream_of_tool_calls() -> None:
    chunks = replay_chunks(
        completion(
            {
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_A",
                        "type": "function",
                        "function": {"name": "f", "arguments": '{"city": "Lyon, France"}'},
                    },
                    {
                        "id": "call_B",
                        "type": "function",
                        "function": {"name": "g", "arguments": "{}"},
                    },
                ],
            },
            "tool_calls",
        )
    )
    evs, stream = run_stream([*chunks, USAGE])
    names = [n for n, _ in evs]
    assert names.count("response.output_item.added") == 2
    assert names.count("response.function_call_arguments.done") == 2
    done = [b for n, b in evs if n == "response.function_call_arguments.done"]
    assert [(d["name"], d["arguments"]) for d in done] == [
        ("f", '{"city": "Lyon, France"}'),
        ("g", "{}"),
    ]
    assert stream.final is not None
    assert [o["call_id"] for o in stream.final["output"]] == ["call_A", "call_B"]
    assert [d["output_index"] for d in done] == [0, 1]


def test_stream_that_breaks() -> None:
    chunks = replay_chunks(completion({"content": "partial answer here"}))[:2]
    evs, stream = run_stream(
        [
            *chunks,
            {
                "error": {
                    "message": "interrupted",
                    "type": "api_error",
                    "code": "stream_interrupted",
                }
            },
        ]
    )
    assert [n for n, _ in evs][-2:] == ["error", "response.failed"]
    failed = evs[-1][1]["response"]
    assert failed["status"] == "failed"
    assert failed["error"] == {"code": "stream_interrupted", "message": "interrupted"}
    assert stream.final is None


def test_stream_of_an_empty_answer_is_one_empty_message() -> None:
    evs, stream = run_stream([USAGE])
    assert stream.final is not None and stream.final["output"][0]["type"] == "message"
    assert evs[-1][0] == "response.completed"


NAMESPACE = {
    "type": "namespace",
    "name": "agents",
    "description": "Sub-agents.",
    "tools": [
        {
            "type": "function",
            "name": "spawn",
            "description": "Spawn one.",
            "parameters": {"type": "object", "properties": {}},
        }
    ],
}


def test_namespaced_tools_are_flattened_and_split_back() -> None:
    chat = to_chat_request(
        req(
            input="x",
            tools=[TOOL, NAMESPACE],
            tool_choice={"type": "function", "name": "spawn", "namespace": "agents"},
        ),
        [],
    )
    assert chat.tools is not None
    assert [t["function"]["name"] for t in chat.tools] == ["get_weather", "agents__spawn"]
    assert chat.tools[1]["function"]["description"] == "Sub-agents. Spawn one."
    assert chat.tool_choice == {"type": "function", "function": {"name": "agents__spawn"}}
    b = base_response(req(input="x", tools=[TOOL, NAMESPACE]), response_id(RID), 1)
    out = to_response(
        completion(
            {
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_N",
                        "type": "function",
                        "function": {"name": "agents__spawn", "arguments": "{}"},
                    }
                ],
            },
            "tool_calls",
        ),
        b,
    )
    assert out["output"][0]["name"] == "spawn" and out["output"][0]["namespace"] == "agents"
    assert (
        dumped(items_to_messages(out["output"]))[0]["tool_calls"][0]["function"]["name"]
        == "agents__spawn"
    )
    stream = ResponsesStream(b)
    for chunk in replay_chunks(
        completion(
            {
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_N",
                        "type": "function",
                        "function": {"name": "agents__spawn", "arguments": "{}"},
                    }
                ],
            },
            "tool_calls",
        )
    ):
        stream.feed(chunk)
    stream.feed(USAGE)
    assert stream.final is not None and stream.final["output"][0]["namespace"] == "agents"


def test_a_namespace_holds_functions_only() -> None:
    bad = {**NAMESPACE, "tools": [{"type": "web_search"}]}
    with pytest.raises(InvalidRequest) as err:
        to_chat_request(req(input="x", tools=[bad]), [])
    assert err.value.param == "tools[0].tools[0].type"
