"""One prompt asked in every answer shape, with the official openai SDK, `model: "auto"` and the
cache on: plain, JSON schema, a required tool call, after the tool's result, capped at three
tokens, and streamed. Each shape is asked twice, the second time until it is a cache hit, and
both answers must have the shape asked for.

The tests run in this order on purpose, in one tenant: each shape is asked while the earlier
shapes' answers to the same prompt are in the cache, which must never answer with one of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Protocol, TypeVar

import pytest
from openai import OpenAI
from openai.types.chat import (
    ChatCompletion,
    ChatCompletionMessageFunctionToolCall,
    ChatCompletionMessageParam,
    ChatCompletionToolParam,
)
from pydantic import BaseModel

from tests.e2e.recorded import STORE_TIMEOUT_S
from tests.harness import Stack

PROMPT = "What is the weather like in Lyon today?"
MESSAGES: list[ChatCompletionMessageParam] = [{"role": "user", "content": PROMPT}]
TOOLS: list[ChatCompletionToolParam] = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather of a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
                "additionalProperties": False,
            },
        },
    }
]
A_FEW_WORDS = 3
TOOL_RESULT_MARK = "based on the tool result"
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Weather(BaseModel):
    city: str
    temperature_c: int
    conditions: str


class Raw(Protocol[T_co]):
    """What `with_raw_response` gives: the headers, and the SDK's parsed answer."""

    @property
    def headers(self) -> Mapping[str, str]: ...

    def parse(self) -> T_co: ...


@pytest.fixture(scope="module")
def client(stack: Stack) -> Iterator[OpenAI]:
    key = stack.new_tenant_key("2", name="answer-shape")
    with OpenAI(base_url=stack.base_url, api_key=key, max_retries=0) as sdk:
        yield sdk


def twice(ask: Callable[[], tuple[str, T]]) -> tuple[T, T]:
    """`ask()` (its cache outcome, its answer) once, then again until the answer is a cache hit
    (the store happens in the background after an answer): both answers."""
    _, first = ask()
    deadline = time.monotonic() + STORE_TIMEOUT_S
    while True:
        outcome, again = ask()
        if outcome == "hit":
            return first, again
        if time.monotonic() > deadline:
            pytest.fail(
                f"the exact repeat was still a cache {outcome!r} after {STORE_TIMEOUT_S:.0f} s"
            )
        time.sleep(0.1)


def raw(response: Raw[T]) -> tuple[str, T]:
    return response.headers["x-tokaroo-cache"], response.parse()


def _text_answer(res: ChatCompletion) -> str:
    choice = res.choices[0]
    assert not choice.message.tool_calls, f"a tool call instead of text: {choice.message}"
    assert choice.message.content, choice.message
    return choice.message.content


def test_plain(client: OpenAI) -> None:
    first, again = twice(
        lambda: raw(
            client.chat.completions.with_raw_response.create(model="auto", messages=MESSAGES)
        )
    )
    assert first.choices[0].finish_reason == again.choices[0].finish_reason == "stop"
    assert _text_answer(again) == _text_answer(first)


def test_json_schema_parses(client: OpenAI) -> None:
    answers = twice(
        lambda: raw(
            client.chat.completions.with_raw_response.parse(
                model="auto", messages=MESSAGES, response_format=Weather
            )
        )
    )
    for res in answers:
        assert isinstance(res.choices[0].message.parsed, Weather), res.choices[0].message


def test_tool_choice_required_calls_the_tool(client: OpenAI) -> None:
    answers = twice(
        lambda: raw(
            client.chat.completions.with_raw_response.create(
                model="auto", messages=MESSAGES, tools=TOOLS, tool_choice="required"
            )
        )
    )
    for res in answers:
        choice = res.choices[0]
        calls = choice.message.tool_calls or []
        assert calls and choice.finish_reason == "tool_calls", choice
        assert all(
            isinstance(c, ChatCompletionMessageFunctionToolCall)
            and c.function.name == "get_weather"
            for c in calls
        ), calls


def test_after_the_tool_result_the_answer_is_text(client: OpenAI) -> None:
    messages: list[ChatCompletionMessageParam] = [
        *MESSAGES,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_weather_lyon",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Lyon"}'},
                }
            ],
        },
        {
            "role": "tool",
            "tool_call_id": "call_weather_lyon",
            "content": '{"city": "Lyon", "temperature_c": 21, "conditions": "sunny"}',
        },
    ]
    first, again = twice(
        lambda: raw(
            client.chat.completions.with_raw_response.create(
                model="auto", messages=messages, tools=TOOLS
            )
        )
    )
    for res in (first, again):
        assert res.choices[0].finish_reason == "stop", res.choices[0]
    # the upstream simulator's answers to a tool result say so: not a cached earlier answer
    assert TOOL_RESULT_MARK in _text_answer(first), _text_answer(first)
    assert _text_answer(again) == _text_answer(first)


def test_max_tokens_caps_the_answer(client: OpenAI) -> None:
    answers = twice(
        lambda: raw(
            client.chat.completions.with_raw_response.create(
                model="auto", messages=MESSAGES, max_tokens=3
            )
        )
    )
    for res in answers:
        assert res.usage is not None and res.usage.completion_tokens <= 3, res.usage
        assert res.choices[0].finish_reason == "length", res.choices[0]


def _stream(client: OpenAI) -> tuple[str, list[str]]:
    """One streamed answer: its cache outcome and its content pieces, chunk by chunk."""
    response = client.chat.completions.with_raw_response.create(
        model="auto", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    pieces: list[str] = []
    with response.parse() as stream:
        for chunk in stream:
            pieces += [c.delta.content for c in chunk.choices if c.delta.content]
    return response.headers["x-tokaroo-cache"], pieces


def test_stream_repeated_from_the_cache_arrives_in_pieces(client: OpenAI) -> None:
    first, again = twice(lambda: _stream(client))
    text = "".join(first)
    assert len(text.split()) > A_FEW_WORDS, text
    assert len(first) > 1, f"the answer came as {len(first)} content chunk(s)"
    assert len(again) > 1, f"the cache replayed the answer as {len(again)} content chunk(s)"
    assert "".join(again) == text
