"""Which chat-completion chunks open a stream without any of its answer."""

from __future__ import annotations

import pytest
from tokaroo_edge.providers.chunks import Json, is_preamble


def chunk(delta: Json, finish: str | None = None, **extra: object) -> Json:
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}


@pytest.mark.parametrize(
    "c",
    [
        chunk({"role": "assistant", "content": ""}),
        chunk({"role": "assistant"}),
        chunk({"role": "assistant", "content": None, "refusal": None, "tool_calls": []}),
        chunk({}),
    ],
)
def test_preambles(c: Json) -> None:
    assert is_preamble(c)


@pytest.mark.parametrize(
    "c",
    [
        chunk({"role": "assistant", "content": "Hi"}),
        chunk({"content": " "}),  # a space is text
        chunk({"tool_calls": [{"index": 0, "id": "call_1", "function": {"name": "f"}}]}),
        chunk({"refusal": "I can't"}),
        chunk({"role": "assistant", "content": ""}, finish="stop"),  # an empty answer, finished
        chunk({}, usage={"prompt_tokens": 3}),
        {"choices": []},
        {"choices": [], "usage": {"prompt_tokens": 3}},
        {"choices": ["not an object"]},
        {},
    ],
)
def test_anything_else_is_part_of_the_answer(c: Json) -> None:
    assert not is_preamble(c)
