"""OpenAI's Responses API wire format (`POST /v1/responses`): the request body to a `Prompt`,
a `Reply` to the response object or its SSE event sequence. Pure. Auth and errors are
OpenAI's (openai_format). The conversation's texts are read in the order chat completions
reads them (instructions first), so the same conversation gets the same answer either way."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from tokaroo_simulator.content import BadRequest, Prompt, Reply, Tool
from tokaroo_simulator.dialect import ReplyContext
from tokaroo_simulator.openai_format import auth_error, error_body

__all__ = [
    "NAME",
    "OPENING_FRAMES",
    "auth_error",
    "error_body",
    "parse_chat",
    "render",
    "stream_frames",
]

NAME = "openai"
OPENING_FRAMES = 4  # created, in_progress, output_item.added, content_part.added
_TEXT_PARTS = ("input_text", "output_text")


def _texts(content: Any, param: str) -> tuple[list[str], int]:
    if isinstance(content, str):
        return [content], 0
    if not isinstance(content, list):
        raise BadRequest("content must be a string or an array of content parts", param)
    texts, images = [], 0
    for part in content:
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind in _TEXT_PARTS and isinstance(part.get("text"), str):
            texts.append(part["text"])
        elif kind == "refusal":
            texts.append(str(part.get("refusal", "")))
        elif kind == "input_image":
            images += 1
        elif kind != "input_file":
            raise BadRequest(f"Invalid content part type: {kind!r}", param)
    return texts, images


def _input(body: Mapping[str, Any]) -> tuple[list[str], int, str]:
    """The texts, the image count and what the last item is (user | tool | other)."""
    raw = body.get("input")
    items: list[Any] = [{"role": "user", "content": raw}] if isinstance(raw, str) else raw or []
    if not isinstance(items, list) or not items:
        raise BadRequest("input must be a non-empty string or array", "input")
    texts = [body["instructions"]] if isinstance(body.get("instructions"), str) else []
    images, last = 0, "other"
    for item in items:
        if not isinstance(item, Mapping):
            raise BadRequest("each input item must be an object", "input")
        kind = item.get("type", "message")
        if kind == "message":
            t, i = _texts(item.get("content"), "input")
            texts, images = texts + t, images + i
            last = "user" if item.get("role") == "user" else "other"
        elif kind == "function_call":
            texts.append(f"{item.get('name', '')}({item.get('arguments', '')})")
            last = "other"
        elif kind == "function_call_output":
            output = item.get("output")
            texts += [output] if isinstance(output, str) else _texts(output, "input")[0]
            last = "tool"
        elif kind != "reasoning":
            raise BadRequest(f"Invalid input item type: {kind!r}", "input")
    return texts, images, last


def _tools(body: Mapping[str, Any]) -> tuple[tuple[Tool, ...], int]:
    raw = body.get("tools") or []
    if not isinstance(raw, list):
        raise BadRequest("tools must be an array", "tools")
    tools = []
    for t in raw:
        if (
            not isinstance(t, Mapping)
            or t.get("type") != "function"
            or not isinstance(t.get("name"), str)
        ):
            continue  # built-in tools: the simulator never calls them
        params = t.get("parameters")
        tools.append(Tool(t["name"], params if isinstance(params, Mapping) else {}))
    # counted as chat completions count the same tools (function definitions)
    as_chat = [
        {"type": "function", "function": {k: v for k, v in t.items() if k != "type"}}
        for t in raw
        if isinstance(t, Mapping) and t.get("type") == "function"
    ]
    return tuple(tools), len(orjson.dumps(as_chat)) if as_chat else 0


def parse_chat(body: Any) -> Prompt:
    if not isinstance(body, Mapping):
        raise BadRequest("request body must be a JSON object")
    texts, images, last = _input(body)
    tools, tool_chars = _tools(body)
    choice = body.get("tool_choice", "auto")
    forced = None
    if isinstance(choice, Mapping):
        forced = choice.get("name")
        if not any(t.name == forced for t in tools):
            raise BadRequest(f"tool_choice names an unknown function {forced!r}", "tool_choice")
        choice = "required"
    if choice not in ("auto", "none", "required"):
        raise BadRequest("tool_choice must be none, auto, required or a function", "tool_choice")
    fmt = (body.get("text") or {}).get("format") or {"type": "text"}
    kind = fmt.get("type") if isinstance(fmt, Mapping) else None
    if kind not in ("text", "json_object", "json_schema"):
        raise BadRequest("text.format.type must be text, json_object or json_schema", "text.format")
    schema = fmt.get("schema") if kind == "json_schema" else None
    if kind == "json_schema" and not isinstance(schema, Mapping):
        raise BadRequest("text.format.schema is required", "text.format")
    limit = body.get("max_output_tokens")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise BadRequest("max_output_tokens must be a positive integer", "max_output_tokens")
    return Prompt(
        texts=tuple(texts),
        images=images,
        tools=tools,
        tool_choice=choice,
        forced_tool=forced,
        user_turn=last == "user",
        after_tool_result=last == "tool",
        response_kind=kind,
        response_schema=schema,
        max_tokens=limit,
        extra_prompt_chars=tool_chars,
    )


def _usage(reply: Reply) -> dict[str, Any]:
    return {
        "input_tokens": reply.prompt_tokens,
        "input_tokens_details": {"cached_tokens": reply.cached_tokens},
        "output_tokens": reply.completion_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": reply.prompt_tokens + reply.completion_tokens,
    }


def _items(reply: Reply, ctx: ReplyContext, status: str = "completed") -> list[dict[str, Any]]:
    call = reply.tool_call
    if call is not None:
        return [
            {
                "type": "function_call",
                "id": "fc_" + ctx.response_id,
                "call_id": "call_" + call.call_id,
                "name": call.name,
                "arguments": call.arguments if status == "completed" else "",
                "status": status,
            }
        ]
    return [
        {
            "type": "message",
            "id": "msg_" + ctx.response_id,
            "status": status,
            "role": "assistant",
            "content": []
            if status != "completed"
            else [{"type": "output_text", "text": reply.text, "annotations": [], "logprobs": []}],
        }
    ]


def _response(
    ctx: ReplyContext,
    status: str,
    output: list[dict[str, Any]],
    usage: dict[str, Any] | None,
    incomplete: bool = False,
) -> dict[str, Any]:
    return {
        "id": "resp_" + ctx.response_id,
        "object": "response",
        "created_at": ctx.created,
        "status": status,
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if incomplete else None,
        "model": ctx.model,
        "output": output,
        "parallel_tool_calls": True,
        "store": True,
        "text": {"format": {"type": "text"}},
        "tool_choice": "auto",
        "tools": [],
        "usage": usage,
    }


def render(reply: Reply, ctx: ReplyContext) -> dict[str, Any]:
    cut = reply.finish == "length"
    return _response(
        ctx, "incomplete" if cut else "completed", _items(reply, ctx), _usage(reply), cut
    )


def stream_frames(reply: Reply, ctx: ReplyContext, include_usage: bool) -> list[bytes]:
    """The event sequence of a streamed response (always with usage, as OpenAI sends it)."""
    frames: list[bytes] = []

    def emit(kind: str, /, **body: Any) -> None:
        data = {"type": kind, "sequence_number": len(frames), **body}
        frames.append(b"event: " + kind.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n")

    emit("response.created", response=_response(ctx, "in_progress", [], None))
    emit("response.in_progress", response=_response(ctx, "in_progress", [], None))
    done = _items(reply, ctx)[0]
    emit("response.output_item.added", output_index=0, item=_items(reply, ctx, "in_progress")[0])
    where = {"item_id": done["id"], "output_index": 0}
    if reply.tool_call is not None:
        for piece in reply.tool_call.fragments:
            emit("response.function_call_arguments.delta", **where, delta=piece)
        emit(
            "response.function_call_arguments.done",
            **where,
            name=reply.tool_call.name,
            arguments=reply.tool_call.arguments,
        )
    else:
        part = done["content"][0]
        emit("response.content_part.added", **where, content_index=0, part={**part, "text": ""})
        for piece in reply.pieces:
            emit("response.output_text.delta", **where, content_index=0, delta=piece, logprobs=[])
        emit("response.output_text.done", **where, content_index=0, text=reply.text, logprobs=[])
        emit("response.content_part.done", **where, content_index=0, part=part)
    emit("response.output_item.done", output_index=0, item=done)
    final = render(reply, ctx)
    emit(
        "response.incomplete" if final["status"] == "incomplete" else "response.completed",
        response=final,
    )
    return frames
