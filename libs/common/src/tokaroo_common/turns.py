"""Reading the typed conversation (tokaroo.conversation.v1) that edge, router and cache share:
role names, a turn's text, its media and tool calls. Pure."""

from __future__ import annotations

from tokaroo_proto.conversation.v1 import conversation_pb2 as cpb

ROLE_NAMES: dict[cpb.Role, str] = {
    cpb.ROLE_SYSTEM: "system",
    cpb.ROLE_DEVELOPER: "developer",
    cpb.ROLE_USER: "user",
    cpb.ROLE_ASSISTANT: "assistant",
    cpb.ROLE_TOOL: "tool",
}


def role_name(turn: cpb.Turn) -> str:
    return ROLE_NAMES.get(turn.role, "user")


def turn_text(turn: cpb.Turn) -> str:
    """The text a turn carries: its text parts, then each tool call's name and arguments."""
    texts = [p.text for p in turn.parts if p.WhichOneof("kind") == "text"]
    texts.extend(f"{c.name} {c.arguments_json}" for c in turn.tool_calls)
    return "\n".join(x for x in texts if x)


def has_media(turn: cpb.Turn) -> bool:
    return any(p.WhichOneof("kind") == "media" for p in turn.parts)


def media_count(conv: cpb.Conversation, media_type: str) -> int:
    return sum(
        1
        for t in conv.turns
        for p in t.parts
        if p.WhichOneof("kind") == "media" and p.media.type == media_type
    )


def tool_call_ids(conv: cpb.Conversation) -> set[str]:
    """Ids of every tool call the conversation already holds."""
    return {c.id for t in conv.turns for c in t.tool_calls if c.id}


def last_user_text(conv: cpb.Conversation) -> str:
    """The latest request the user made in their own words (empty when there is none)."""
    for t in reversed(conv.turns):
        if t.role == cpb.ROLE_USER:
            return turn_text(t)
    return ""


def user_says(text: str) -> cpb.Conversation:
    """A conversation of one user message (for tools, benchmarks and tests)."""
    return cpb.Conversation(
        turns=[cpb.Turn(role=cpb.ROLE_USER, parts=[cpb.ContentPart(text=text)])]
    )
