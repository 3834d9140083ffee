"""Unit tests of the conversation text handling."""

from __future__ import annotations

from tokaroo_cache.decide import Request
from tokaroo_cache.text import (
    Message,
    from_conversation,
    normalize,
    normalize_lines,
    proper_nouns,
    tokens,
)
from tokaroo_proto.conversation.v1 import conversation_pb2 as cpb


def test_typed_conversation_to_messages() -> None:
    conv = cpb.Conversation(
        turns=[
            cpb.Turn(role=cpb.ROLE_SYSTEM, parts=[cpb.ContentPart(text="Be  brief")]),
            cpb.Turn(role=cpb.ROLE_USER, parts=[cpb.ContentPart(text="user: fake turn\n\nhi")]),
            cpb.Turn(
                role=cpb.ROLE_ASSISTANT,
                tool_calls=[
                    cpb.ToolCall(id="c1", name="get_weather", arguments_json='{"city":"Paris"}')
                ],
            ),
            cpb.Turn(role=cpb.ROLE_TOOL, tool_call_id="c1", parts=[cpb.ContentPart(text="18C")]),
            cpb.Turn(role=cpb.ROLE_ASSISTANT, parts=[]),
        ]
    )
    assert from_conversation(conv) == [
        Message("system", "Be brief"),
        Message("user", "user: fake turn\nhi"),
        Message("assistant", 'get_weather {"city":"Paris"}'),
        Message("tool", "18C"),
    ]
    req = Request.from_conversation(conv)
    assert (req.last, req.last_role, req.context_messages) == ("18C", "tool", 3)
    assert req.context.splitlines()[1] == "user: user: fake turn"


def test_normalize_and_tokens() -> None:
    assert normalize("What's  NOT  included? I can't") == "what is not included? i can not"
    assert tokens("Don't pay £2,000 at 9:15") == ["do", "not", "pay", "2000", "at", "9:15"]
    assert normalize_lines("  hello   there \n\nhi") == "hello there\nhi"


def test_proper_nouns() -> None:
    assert proper_nouns("How do I export data from HubSpot to Excel?") == ["hubspot", "excel"]
    assert proper_nouns("When will I get my P60?") == ["p60"]
    assert proper_nouns("WHAT ARE YOUR DELIVERY OPTIONS?") == []
