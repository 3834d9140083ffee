"""OpenAI wire format: chat completions (object and SSE chunks), embeddings, models, errors.
Pure builders: request body in, `Prompt` out; `Reply` in, response body or SSE frames out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from tokaroo_simulator.content import BadRequest, Prompt, Reply, Tool
from tokaroo_simulator.dialect import ReplyContext

NAME = "openai"
OPENING_FRAMES = 1  # the role chunk carries no text
MODELS = (
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "o3-mini",
    "text-embedding-3-small",
    "text-embedding-3-large",
)
_ERRORS = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", "server_error"),
    503: ("server_error", "service_unavailable"),
}
_MESSAGES = {
    429: "Rate limit reached for requests. Please try again in 1s.",
    500: "The server had an error while processing your request. Sorry about that!",
    503: "The engine is currently overloaded, please try again later.",
}
_FINISH = {"stop": "stop", "stop_sequence": "stop", "length": "length", "tool_calls": "tool_calls"}
_FINGERPRINT = "fp_tokaroo_sim"


def error_body(status: int, message: str, param: str | None = None) -> dict[str, Any]:
    etype, code = _ERRORS.get(status, ("server_error", None))
    return {
        "error": {
            "message": message or _MESSAGES.get(status, "error"),
            "type": etype,
            "param": param,
            "code": code,
        }
    }


def auth_error(
    headers: Mapping[str, str], query: Mapping[str, str]
) -> tuple[int, dict[str, Any]] | None:
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer " and auth[7:].strip():
        return None
    return 401, error_body(
        401,
        "You didn't provide an API key. You need to provide your API key "
        "in an Authorization header using Bearer auth.",
    )


def _text_of(content: Any) -> tuple[list[str], int]:
    """The text pieces and image count of one message's `content`."""
    if content is None:
        return [], 0
    if isinstance(content, str):
        return [content], 0
    if not isinstance(content, list):
        raise BadRequest("content must be a string or an array of content parts", "messages")
    texts: list[str] = []
    images = 0
    for part in content:
        if not isinstance(part, Mapping):
            raise BadRequest("each content part must be an object", "messages")
        ptype = part.get("type")
        if ptype == "text" and isinstance(part.get("text"), str):
            texts.append(part["text"])
        elif ptype == "image_url":
            images += 1
        elif ptype == "refusal" and isinstance(part.get("refusal"), str):
            texts.append(part["refusal"])
        elif ptype in ("input_audio", "file"):
            continue  # accepted; the simulator does not read audio or files
        else:
            raise BadRequest(f"Invalid content part type: {ptype!r}", "messages")
    return texts, images


def _tools(body: Mapping[str, Any]) -> tuple[tuple[Tool, ...], int]:
    raw = body.get("tools") or []
    if not isinstance(raw, list):
        raise BadRequest("tools must be an array", "tools")
    tools = []
    for t in raw:
        fn = t.get("function") if isinstance(t, Mapping) else None
        if not isinstance(fn, Mapping) or not isinstance(fn.get("name"), str):
            raise BadRequest("each tool needs type 'function' and function.name", "tools")
        params = fn.get("parameters")
        tools.append(Tool(fn["name"], params if isinstance(params, Mapping) else {}))
    return tuple(tools), len(orjson.dumps(raw)) if raw else 0


def _limit(body: Mapping[str, Any]) -> int | None:
    for key in ("max_completion_tokens", "max_tokens"):
        value = body.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise BadRequest(f"{key} must be a positive integer", key)
        return value
    return None


def parse_chat(body: Any) -> Prompt:
    if not isinstance(body, Mapping):
        raise BadRequest("request body must be a JSON object")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("messages must be a non-empty array", "messages")
    texts: list[str] = []
    images = 0
    for m in messages:
        if not isinstance(m, Mapping) or not isinstance(m.get("role"), str):
            raise BadRequest("each message needs a role", "messages")
        t, i = _text_of(m.get("content"))
        texts += t
        images += i
        for call in m.get("tool_calls") or []:
            fn = call.get("function", {}) if isinstance(call, Mapping) else {}
            texts.append(f"{fn.get('name', '')}({fn.get('arguments', '')})")
    last_role = messages[-1]["role"]
    tools, tool_chars = _tools(body)
    choice = body.get("tool_choice", "auto")
    forced = None
    if isinstance(choice, Mapping):
        forced = (choice.get("function") or {}).get("name")
        if not any(t.name == forced for t in tools):
            raise BadRequest(f"tool_choice names an unknown function {forced!r}", "tool_choice")
        choice = "required"
    if choice not in ("auto", "none", "required"):
        raise BadRequest(
            "tool_choice must be none, auto, required or a named function", "tool_choice"
        )
    rf = body.get("response_format") or {"type": "text"}
    kind = rf.get("type") if isinstance(rf, Mapping) else None
    if kind not in ("text", "json_object", "json_schema"):
        raise BadRequest(
            "response_format.type must be text, json_object or json_schema", "response_format"
        )
    schema = None
    if kind == "json_schema":
        schema = (rf.get("json_schema") or {}).get("schema")
        if not isinstance(schema, Mapping):
            raise BadRequest("response_format.json_schema.schema is required", "response_format")
    stop = body.get("stop")
    stops = (stop,) if isinstance(stop, str) else tuple(s for s in stop or () if isinstance(s, str))
    return Prompt(
        texts=tuple(texts),
        images=images,
        tools=tools,
        tool_choice=choice,
        forced_tool=forced,
        user_turn=last_role == "user",
        after_tool_result=last_role in ("tool", "function"),
        response_kind=kind,
        response_schema=schema,
        max_tokens=_limit(body),
        stop=stops,
        extra_prompt_chars=tool_chars,
    )


def usage(reply: Reply) -> dict[str, Any]:
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "total_tokens": reply.prompt_tokens + reply.completion_tokens,
        "prompt_tokens_details": {"cached_tokens": reply.cached_tokens, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def render(reply: Reply, ctx: ReplyContext) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": None,
        "refusal": None,
        "annotations": [],
    }
    call = reply.tool_call
    if call is not None:
        message["tool_calls"] = [
            {
                "id": "call_" + call.call_id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
        ]
    else:
        message["content"] = reply.text
    return {
        "id": "chatcmpl-" + ctx.response_id,
        "object": "chat.completion",
        "created": ctx.created,
        "model": ctx.model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": _FINISH[reply.finish],
            }
        ],
        "usage": usage(reply),
        "service_tier": "default",
        "system_fingerprint": _FINGERPRINT,
    }


def _sse(obj: Any) -> bytes:
    return b"data: " + orjson.dumps(obj) + b"\n\n"


def stream_frames(reply: Reply, ctx: ReplyContext, include_usage: bool) -> list[bytes]:
    """The SSE frames of a streamed completion, ending with `data: [DONE]`."""
    head = {
        "id": "chatcmpl-" + ctx.response_id,
        "object": "chat.completion.chunk",
        "created": ctx.created,
        "model": ctx.model,
        "service_tier": "default",
        "system_fingerprint": _FINGERPRINT,
    }
    if include_usage:
        head["usage"] = None

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        return _sse(
            {
                **head,
                "choices": [
                    {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
                ],
            }
        )

    call = reply.tool_call
    if call is not None:
        frames = [
            chunk(
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_" + call.call_id,
                            "type": "function",
                            "function": {"name": call.name, "arguments": ""},
                        }
                    ],
                    "refusal": None,
                }
            )
        ]
        frames += [
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": frag}}]})
            for frag in call.fragments
        ]
    else:
        frames = [chunk({"role": "assistant", "content": "", "refusal": None})]
        frames += [chunk({"content": piece}) for piece in reply.pieces]
    frames.append(chunk({}, _FINISH[reply.finish]))
    if include_usage:
        frames.append(_sse({**head, "choices": [], "usage": usage(reply)}))
    frames.append(b"data: [DONE]\n\n")
    return frames


def embeddings_body(model: str, vectors: list[Any], prompt_tokens: int) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [
            {"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)
        ],
        "model": model,
        "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens},
    }


def embedding_inputs(body: Any) -> list[str]:
    """`input` as a list of texts (token-id arrays are turned into text deterministically)."""
    if not isinstance(body, Mapping) or "input" not in body:
        raise BadRequest("input is required", "input")
    raw = body["input"]
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list) and raw:
        if all(isinstance(x, int) and not isinstance(x, bool) for x in raw):
            return [" ".join(map(str, raw))]
        out = []
        for item in raw:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, list) and all(isinstance(x, int) for x in item):
                out.append(" ".join(map(str, item)))
            else:
                raise BadRequest(
                    "input must be a string, an array of strings or of token arrays", "input"
                )
        return out
    raise BadRequest("input must not be empty", "input")


def model_object(model: str) -> dict[str, Any]:
    return {"id": model, "object": "model", "created": 1700000000, "owned_by": "tokaroo-sim"}


def models_body() -> dict[str, Any]:
    return {"object": "list", "data": [model_object(m) for m in MODELS]}
