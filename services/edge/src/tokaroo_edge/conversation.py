"""A chat request's body as typed values, built once: the conversation as proto turns (role
enum, content parts, tool calls and tool results), the exact-cache key and the answer shape.
Router and cache receive these, never text. Pure: no I/O.

What shapes an answer is decided by one rule: every field of the request except the few
listed in `NOT_ANSWER_SHAPING` (transport and bookkeeping). A field added to the schema, or
an unknown field a client sends, therefore takes part in the cache keys by default."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from tokaroo_proto.conversation.v1 import conversation_pb2 as cpb

from tokaroo_edge.schemas import ChatCompletionRequest, Message

# Fields that never change what the model answers: how it is delivered and who is billed.
NOT_ANSWER_SHAPING = frozenset(
    {
        "stream",
        "stream_options",
        "user",
        "metadata",
        "store",
        "prompt_cache_key",
        "safety_identifier",
        "service_tier",
    }
)
# Kept out of the answer shape (but in the exact key): compared in their own way.
_SHAPE_APART = frozenset(
    {"model", "messages", "max_tokens", "max_completion_tokens", "temperature"}
)

ROLES: dict[str, cpb.Role] = {
    "system": cpb.ROLE_SYSTEM,
    "developer": cpb.ROLE_DEVELOPER,
    "user": cpb.ROLE_USER,
    "assistant": cpb.ROLE_ASSISTANT,
    "tool": cpb.ROLE_TOOL,
    "function": cpb.ROLE_TOOL,
}
_MEDIA = {
    "image_url": ("image", "image_url", "url"),
    "input_image": ("image", "image_url", ""),
    "input_audio": ("audio", "input_audio", "data"),
    "file": ("file", "file", ""),
}
_TEXT_PARTS = ("text", "input_text", "output_text", "refusal")


def _digest(value: Any) -> str:
    return hashlib.sha256(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _part(part: dict[str, Any]) -> cpb.ContentPart | None:
    kind = str(part.get("type", ""))
    if kind in _TEXT_PARTS:
        return cpb.ContentPart(text=str(part.get(kind if kind == "refusal" else "text") or ""))
    if kind in _MEDIA:
        media_type, field, _ = _MEDIA[kind]
        payload = part.get(field, part)
        detail = ""
        if isinstance(payload, dict):
            detail = str(payload.get("detail") or payload.get("format") or "")
        return cpb.ContentPart(
            media=cpb.Media(type=media_type, digest=_digest(payload), detail=detail)
        )
    return None  # an unknown part kind still counts in the exact key (the whole body)


def _parts(content: str | list[dict[str, Any]] | None) -> list[cpb.ContentPart]:
    if content is None:
        return []
    if isinstance(content, str):
        return [cpb.ContentPart(text=content)]
    return [p for p in (_part(raw) for raw in content) if p is not None]


def _tool_calls(message: Message) -> list[cpb.ToolCall]:
    calls = [
        cpb.ToolCall(
            id=str(c.get("id") or ""),
            name=str((c.get("function") or {}).get("name") or ""),
            arguments_json=str((c.get("function") or {}).get("arguments") or ""),
        )
        for c in message.tool_calls or []
    ]
    legacy = getattr(message, "function_call", None)  # the deprecated single function call
    if isinstance(legacy, dict):
        calls.append(
            cpb.ToolCall(
                name=str(legacy.get("name") or ""),
                arguments_json=str(legacy.get("arguments") or ""),
            )
        )
    return calls


def turn(message: Message) -> cpb.Turn:
    return cpb.Turn(
        role=ROLES[message.role],
        parts=_parts(message.content),
        name=message.name or "",
        tool_calls=_tool_calls(message),
        tool_call_id=message.tool_call_id or "",
    )


def to_conversation(messages: list[Message]) -> cpb.Conversation:
    return cpb.Conversation(turns=[turn(m) for m in messages])


def _shaping_fields(req: ChatCompletionRequest) -> dict[str, Any]:
    doc = req.model_dump(exclude_none=True, exclude=set(NOT_ANSWER_SHAPING))
    return {k: v for k, v in doc.items() if k not in NOT_ANSWER_SHAPING}


def exact_key(req: ChatCompletionRequest) -> str:
    """A hash of the whole request but its non-shaping fields (the exact cache's key)."""
    return _digest(_shaping_fields(req))


def temperature_bucket(temperature: float | None) -> str:
    """`0`: the client asked for the model's most likely answer, which a sampled one is not;
    up to 1 (and unset, which is 1 for every provider's default): an ordinary sample, any
    of which answers the same request; above 1: the client asked for variety."""
    if temperature is None or 0 < temperature <= 1:
        return "default"
    return "greedy" if temperature == 0 else "high"


def _response_format(req: ChatCompletionRequest) -> str:
    kind = (req.response_format or {}).get("type")
    return str(kind) if kind in ("json_object", "json_schema") else "text"


def answer_shape(req: ChatCompletionRequest) -> cpb.AnswerShape:
    """Everything but the conversation that shapes the answer. The output limit stays out of
    the digest: it is a cut-off the model never sees, so an answer that finished on its own
    within the limit is the answer (the cache checks that, see `max_output_tokens`)."""
    fields = {k: v for k, v in _shaping_fields(req).items() if k not in _SHAPE_APART}
    fields["temperature"] = temperature_bucket(req.temperature)
    return cpb.AnswerShape(
        digest=_digest(fields),
        max_output_tokens=req.output_limit or 0,
        tools=bool(req.tools),
        response_format=_response_format(req),
    )
