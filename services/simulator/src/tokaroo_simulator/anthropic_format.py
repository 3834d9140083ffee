"""Anthropic Messages wire format: message object, SSE event sequence, errors. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import orjson

from tokaroo_simulator.content import BadRequest, Prompt, Reply, Tool
from tokaroo_simulator.dialect import ReplyContext

NAME = "anthropic"
OPENING_FRAMES = 3  # message_start, content_block_start, ping: no text yet
MODELS = ("claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1", "claude-3-5-haiku-latest")
_ERRORS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    503: "overloaded_error",
    529: "overloaded_error",
}
_MESSAGES = {
    429: "Number of requests has exceeded your rate limit.",
    500: "Internal server error",
    503: "Overloaded",
    529: "Overloaded",
}
_CHOICES: dict[str, Literal["auto", "none", "required"]] = {
    "auto": "auto",
    "any": "required",
    "tool": "required",
    "none": "none",
}
_STOP = {
    "stop": "end_turn",
    "stop_sequence": "stop_sequence",
    "length": "max_tokens",
    "tool_calls": "tool_use",
}


def error_body(status: int, message: str) -> dict[str, Any]:
    return {
        "type": "error",
        "error": {
            "type": _ERRORS.get(status, "api_error"),
            "message": message or _MESSAGES.get(status, "Error"),
        },
    }


def auth_error(
    headers: Mapping[str, str], query: Mapping[str, str]
) -> tuple[int, dict[str, Any]] | None:
    bearer = headers.get("authorization", "")[:7].lower() == "bearer "
    if not headers.get("x-api-key") and not bearer:
        return 401, error_body(401, "x-api-key header is required")
    if not headers.get("anthropic-version"):
        return 400, error_body(400, "anthropic-version: header is required")
    return None


def _blocks(content: Any, texts: list[str]) -> tuple[int, bool]:
    """Collect the text of one message; returns (images, has a tool_result block)."""
    if isinstance(content, str):
        texts.append(content)
        return 0, False
    if not isinstance(content, list):
        raise BadRequest("messages: content must be a string or an array of content blocks")
    images, tool_result = 0, False
    for block in content:
        btype = block.get("type") if isinstance(block, Mapping) else None
        if btype == "text":
            texts.append(str(block.get("text", "")))
        elif btype == "image":
            images += 1
        elif btype == "tool_use":
            texts.append(f"{block.get('name', '')}({orjson.dumps(block.get('input')).decode()})")
        elif btype == "tool_result":
            tool_result = True
            inner = block.get("content")
            if inner is not None:
                i, _ = _blocks(inner, texts)
                images += i
        elif btype in ("document", "thinking", "redacted_thinking", "search_result"):
            continue
        else:
            raise BadRequest(f"messages: unknown content block type {btype!r}")
    return images, tool_result


def parse_chat(body: Any) -> Prompt:
    if not isinstance(body, Mapping):
        raise BadRequest("request body must be a JSON object")
    max_tokens = body.get("max_tokens")
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
        raise BadRequest("max_tokens: Field required (a positive integer)")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("messages: at least one message is required")
    texts: list[str] = []
    system = body.get("system")
    if system is not None:
        _blocks(system, texts)
    images, tool_result = 0, False
    for m in messages:
        if not isinstance(m, Mapping) or m.get("role") not in ("user", "assistant"):
            raise BadRequest("messages: each message needs role 'user' or 'assistant'")
        i, tool_result = _blocks(m.get("content", ""), texts)
        images += i
    last_role = messages[-1]["role"]
    raw_tools = body.get("tools") or []
    tools = tuple(
        Tool(t["name"], t.get("input_schema") or {})
        for t in raw_tools
        if isinstance(t, Mapping) and isinstance(t.get("name"), str)
    )
    choice_obj = body.get("tool_choice") or {"type": "auto"}
    ctype = choice_obj.get("type") if isinstance(choice_obj, Mapping) else None
    forced = choice_obj.get("name") if ctype == "tool" and isinstance(choice_obj, Mapping) else None
    if ctype == "tool" and not any(t.name == forced for t in tools):
        raise BadRequest(f"tool_choice: tool {forced!r} not found in tools")
    choice = _CHOICES.get(ctype or "")
    if choice is None:
        raise BadRequest("tool_choice.type must be auto, any, tool or none")
    output = body.get("output_format")
    schema = output.get("schema") if isinstance(output, Mapping) else None
    stops = tuple(s for s in body.get("stop_sequences") or () if isinstance(s, str))
    return Prompt(
        texts=tuple(texts),
        images=images,
        tools=tools,
        tool_choice=choice,
        forced_tool=forced,
        user_turn=last_role == "user" and not tool_result,
        after_tool_result=tool_result,
        response_kind="json_schema" if isinstance(schema, Mapping) else "text",
        response_schema=schema if isinstance(schema, Mapping) else None,
        max_tokens=max_tokens,
        stop=stops,
        extra_prompt_chars=len(orjson.dumps(raw_tools)) if raw_tools else 0,
    )


def usage(reply: Reply, output_tokens: int | None = None) -> dict[str, Any]:
    """`input_tokens` excludes what was read from or written to the prompt cache."""
    fresh = max(reply.prompt_tokens - reply.cached_tokens - reply.cache_write, 0)
    return {
        "input_tokens": fresh,
        "cache_creation_input_tokens": reply.cache_write,
        "cache_read_input_tokens": reply.cached_tokens,
        "cache_creation": {
            "ephemeral_5m_input_tokens": reply.cache_write_5m,
            "ephemeral_1h_input_tokens": reply.cache_write_1h,
        },
        "output_tokens": reply.completion_tokens if output_tokens is None else output_tokens,
        "service_tier": "standard",
    }


def _content(reply: Reply) -> list[dict[str, Any]]:
    call = reply.tool_call
    if call is not None:
        return [
            {
                "type": "tool_use",
                "id": "toolu_" + call.call_id,
                "name": call.name,
                "input": call.input,
            }
        ]
    return [{"type": "text", "text": reply.text}]


def render(reply: Reply, ctx: ReplyContext) -> dict[str, Any]:
    return {
        "id": "msg_" + ctx.response_id,
        "type": "message",
        "role": "assistant",
        "model": ctx.model,
        "content": _content(reply),
        "stop_reason": _STOP[reply.finish],
        "stop_sequence": reply.stop_sequence,
        "usage": usage(reply),
    }


def _event(name: str, data: dict[str, Any]) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


def stream_frames(reply: Reply, ctx: ReplyContext, include_usage: bool = True) -> list[bytes]:
    """message_start, one content block (start, deltas, stop), message_delta, message_stop."""
    start = {
        **render(reply, ctx),
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage(reply, output_tokens=1),
    }
    frames = [_event("message_start", {"type": "message_start", "message": start})]
    call = reply.tool_call
    if call is not None:
        block: dict[str, Any] = {
            "type": "tool_use",
            "id": "toolu_" + call.call_id,
            "name": call.name,
            "input": {},
        }
        deltas = [{"type": "input_json_delta", "partial_json": ""}]
        deltas += [{"type": "input_json_delta", "partial_json": f} for f in call.fragments]
    else:
        block = {"type": "text", "text": ""}
        deltas = [{"type": "text_delta", "text": p} for p in reply.pieces]
    frames.append(
        _event(
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": block},
        )
    )
    frames.append(_event("ping", {"type": "ping"}))
    frames += [
        _event("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": d})
        for d in deltas
    ]
    frames.append(_event("content_block_stop", {"type": "content_block_stop", "index": 0}))
    frames.append(
        _event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": _STOP[reply.finish], "stop_sequence": reply.stop_sequence},
                "usage": {"output_tokens": reply.completion_tokens},
            },
        )
    )
    frames.append(_event("message_stop", {"type": "message_stop"}))
    return frames


def models_body() -> dict[str, Any]:
    data = [
        {"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z"}
        for m in MODELS
    ]
    return {"data": data, "has_more": False, "first_id": MODELS[0], "last_id": MODELS[-1]}
