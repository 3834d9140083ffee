"""Anthropic's Messages API as the canonical chat completion, and back. Pure: no I/O.

`to_chat_request` turns a Messages body into the `ChatCompletionRequest` the pipeline serves
(system blocks, text / image / document / tool_use / tool_result blocks, custom tools,
tool_choice, stop sequences, sampling, metadata, thinking); `to_message` turns the pipeline's
chat.completion into a Messages response. Tool-call ids pass through unchanged both ways, so
a `tool_use` id the client got maps back to the same call in the canonical conversation.
The answer's half (responses and streams) is `anthropic_answer`."""

from __future__ import annotations

from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from tokaroo_common.errors import InvalidRequest, TokarooError

from tokaroo_edge.providers.anthropic_wire import with_cache_mark
from tokaroo_edge.schemas import ChatCompletionRequest

Json = dict[str, Any]

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    503: "overloaded_error",
    504: "timeout_error",
}
_IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
# Blocks the canonical conversation has no place for (the model's own earlier reasoning).
_IGNORED_BLOCKS = ("thinking", "redacted_thinking")


class InputMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["user", "assistant"]
    content: str | list[dict[str, Any]]


class CountTokensRequest(BaseModel):
    """The fields of a Messages body that make the prompt (POST /v1/messages/count_tokens)."""

    model_config = ConfigDict(extra="allow")
    model: str = Field(min_length=1, max_length=256)
    messages: list[InputMessage] = Field(min_length=1)
    system: str | list[dict[str, Any]] | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: dict[str, Any] | None = None
    thinking: dict[str, Any] | None = None


class MessagesRequest(CountTokensRequest):
    max_tokens: int = Field(ge=1)
    stop_sequences: list[str] | None = None
    stream: bool = False
    temperature: float | None = Field(default=None, ge=0, le=1)
    top_p: float | None = Field(default=None, ge=0, le=1)
    top_k: int | None = Field(default=None, ge=0)
    metadata: dict[str, Any] | None = None


def error_body(exc: TokarooError, status: int) -> Json:
    """Anthropic's error shape: `{"type": "error", "error": {"type", "message"}}`."""
    kind = _ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    return {"type": "error", "error": {"type": kind, "message": exc.message}}


# ---- request ----------------------------------------------------------------------------
def to_chat_request(body: CountTokensRequest) -> ChatCompletionRequest:
    """The canonical request of a Messages (or count_tokens) body; InvalidRequest, naming
    the Anthropic field, for what cannot be served."""
    messages = system_messages(body.system)
    for i, m in enumerate(body.messages):
        messages += _message(m, f"messages.{i}")
    doc: Json = {"model": body.model, "messages": messages}
    if body.tools:
        doc["tools"] = [_tool(t, f"tools.{i}") for i, t in enumerate(body.tools)]
    if body.tool_choice is not None:
        doc.update(_tool_choice(body.tool_choice, body.tools or []))
    if isinstance(body, MessagesRequest):
        doc.update(_sampling(body))
    effort = reasoning_effort(body.thinking)
    if effort:
        doc["reasoning_effort"] = effort
    try:
        return ChatCompletionRequest.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        param = ".".join(str(p) for p in first.get("loc", ())) or None
        raise InvalidRequest(
            f"Invalid request: {first.get('msg', 'invalid value')}"
            f"{f' at {param!r}' if param else ''}.",
            param=param,
        ) from exc


def _sampling(body: MessagesRequest) -> Json:
    doc: Json = {"max_tokens": body.max_tokens, "stream": body.stream}
    for name in ("temperature", "top_p", "top_k"):
        if getattr(body, name) is not None:
            doc[name] = getattr(body, name)
    if body.stop_sequences:
        doc["stop"] = body.stop_sequences
    user = (body.metadata or {}).get("user_id")
    if isinstance(user, str) and user:
        doc["user"] = user
    return doc


def reasoning_effort(thinking: Json | None) -> str | None:
    """Extended thinking as the canonical request's reasoning effort (its budget in three
    steps); None when thinking is off or absent. Never an error."""
    if not isinstance(thinking, dict) or thinking.get("type") not in ("enabled", "adaptive"):
        return None
    budget = thinking.get("budget_tokens")
    if not isinstance(budget, int) or isinstance(budget, bool):
        return "medium"
    return "low" if budget < 4096 else "medium" if budget < 16384 else "high"


def system_messages(system: str | list[Json] | None) -> list[Json]:
    if system is None or system == "":
        return []
    if isinstance(system, str):
        return [{"role": "system", "content": system}]
    texts = [_text(b, f"system.{i}") for i, b in enumerate(system)]
    if not texts:
        return []
    joined = "\n\n".join(t for t in texts if t)
    marks = [b["cache_control"] for b in system if isinstance(b.get("cache_control"), dict)]
    if not marks:
        return [{"role": "system", "content": joined}]
    # The client's breakpoint on its system prompt is kept (on the one system text Tokaroo
    # sends upstream); see providers/anthropic_wire.py.
    return [
        {
            "role": "system",
            "content": [{"type": "text", "text": joined, "cache_control": marks[-1]}],
        }
    ]


def _text(block: Any, where: str) -> str:
    if not isinstance(block, dict) or block.get("type") != "text":
        raise InvalidRequest(f"{where}: expected a text block.", param=where)
    text = block.get("text")
    if not isinstance(text, str):
        raise InvalidRequest(f"{where}.text: a string is required.", param=f"{where}.text")
    return text


def _message(m: InputMessage, where: str) -> list[Json]:
    if isinstance(m.content, str):
        return [{"role": m.role, "content": m.content}]
    if m.role == "assistant":
        return [_assistant(m.content, where)]
    out: list[Json] = []
    parts: list[Json] = []
    for i, block in enumerate(m.content):
        at = f"{where}.content.{i}"
        kind = block.get("type")
        if kind == "tool_result":
            tool_msg, media = _tool_result(block, at)
            out.append(tool_msg)
            parts += media
        elif kind not in _IGNORED_BLOCKS:
            parts.append(_user_part(block, at))
    if parts or not out:
        out.append({"role": "user", "content": parts})
    return out


def _user_part(block: Json, where: str) -> Json:
    kind = block.get("type")
    if kind == "text":
        return with_cache_mark({"type": "text", "text": _text(block, where)}, block)
    if kind == "image":
        return {"type": "image_url", "image_url": {"url": _image_url(block, where)}}
    if kind == "document":
        return _document(block, where)
    raise InvalidRequest(
        f"{where}: content block type {kind!r} is not supported here.", param=f"{where}.type"
    )


def _source(block: Json, where: str) -> Json:
    source = block.get("source")
    if not isinstance(source, dict):
        raise InvalidRequest(f"{where}.source: an object is required.", param=f"{where}.source")
    return source


def _image_url(block: Json, where: str) -> str:
    source = _source(block, where)
    if source.get("type") == "url" and isinstance(source.get("url"), str):
        return str(source["url"])
    if source.get("type") == "base64":
        media, data = source.get("media_type"), source.get("data")
        if media not in _IMAGE_TYPES or not isinstance(data, str) or not data:
            raise InvalidRequest(
                f"{where}.source: base64 images need media_type (one of "
                f"{', '.join(_IMAGE_TYPES)}) and data.",
                param=f"{where}.source",
            )
        return f"data:{media};base64,{data}"
    raise InvalidRequest(
        f"{where}.source.type: 'base64' or 'url' is required.", param=f"{where}.source.type"
    )


def _document(block: Json, where: str) -> Json:
    source = _source(block, where)
    if source.get("type") == "text" and isinstance(source.get("data"), str):
        return {"type": "text", "text": source["data"]}
    if source.get("type") == "base64" and isinstance(source.get("data"), str):
        media = str(source.get("media_type") or "application/pdf")
        return {
            "type": "file",
            "file": {
                "filename": str(block.get("title") or "document"),
                "file_data": f"data:{media};base64,{source['data']}",
            },
        }
    raise InvalidRequest(
        f"{where}.source: documents need a base64 or text source.", param=f"{where}.source"
    )


def _tool_result(block: Json, where: str) -> tuple[Json, list[Json]]:
    """A tool message (the text of the result) and the images it returned, which follow it
    in the user turn (a tool message holds text only)."""
    call_id = block.get("tool_use_id")
    if not isinstance(call_id, str) or not call_id:
        raise InvalidRequest(
            f"{where}.tool_use_id: a string is required.", param=f"{where}.tool_use_id"
        )
    content = block.get("content")
    texts: list[str] = []
    media: list[Json] = []
    if isinstance(content, str):
        texts.append(content)
    elif isinstance(content, list):
        for i, inner in enumerate(content):
            part = _user_part(inner if isinstance(inner, dict) else {}, f"{where}.content.{i}")
            if part["type"] == "text":
                texts.append(part["text"])
            else:
                media.append(part)
    elif content is not None:
        raise InvalidRequest(
            f"{where}.content: a string or an array of blocks is required.",
            param=f"{where}.content",
        )
    text = "\n".join(texts)
    if block.get("is_error") is True:
        text = f"Error: {text}" if text else "Error"
    return {"role": "tool", "tool_call_id": call_id, "content": text}, media


def _assistant(content: list[Json], where: str) -> Json:
    texts: list[str] = []
    calls: list[Json] = []
    for i, block in enumerate(content):
        at = f"{where}.content.{i}"
        kind = block.get("type")
        if kind == "text":
            texts.append(_text(block, at))
        elif kind == "tool_use":
            calls.append(_tool_use(block, at))
        elif kind not in _IGNORED_BLOCKS:
            raise InvalidRequest(
                f"{at}: content block type {kind!r} is not supported in assistant messages.",
                param=f"{at}.type",
            )
    message: Json = {"role": "assistant", "content": "".join(texts) or None}
    if calls:
        message["tool_calls"] = calls
    return message


def _tool_use(block: Json, where: str) -> Json:
    call_id, name, args = block.get("id"), block.get("name"), block.get("input", {})
    if not isinstance(call_id, str) or not call_id or not isinstance(name, str) or not name:
        raise InvalidRequest(f"{where}: tool_use blocks need an id and a name.", param=where)
    if not isinstance(args, dict):
        raise InvalidRequest(f"{where}.input: an object is required.", param=f"{where}.input")
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": orjson.dumps(args).decode()},
    }


def _tool(tool: Json, where: str) -> Json:
    kind = tool.get("type")
    if kind not in (None, "custom"):
        raise InvalidRequest(
            f"{where}: tool type {kind!r} (a server tool) is not supported; "
            "define it as a custom tool with a name and an input_schema.",
            param=f"{where}.type",
        )
    name, schema = tool.get("name"), tool.get("input_schema")
    if not isinstance(name, str) or not name:
        raise InvalidRequest(f"{where}.name: a string is required.", param=f"{where}.name")
    if not isinstance(schema, dict):
        raise InvalidRequest(
            f"{where}.input_schema: an object is required.", param=f"{where}.input_schema"
        )
    fn: Json = {"name": name, "parameters": schema}
    if isinstance(tool.get("description"), str):
        fn["description"] = tool["description"]
    return with_cache_mark({"type": "function", "function": fn}, tool)


def _tool_choice(choice: Json, tools: list[Json]) -> Json:
    kind = choice.get("type")
    out: Json = {}
    if kind == "auto":
        out["tool_choice"] = "auto"
    elif kind == "any":
        out["tool_choice"] = "required"
    elif kind == "none":
        out["tool_choice"] = "none"
    elif kind == "tool":
        name = choice.get("name")
        if not any(t.get("name") == name for t in tools):
            raise InvalidRequest(
                f"tool_choice.name: no tool named {name!r} in tools.", param="tool_choice.name"
            )
        out["tool_choice"] = {"type": "function", "function": {"name": name}}
    else:
        raise InvalidRequest(
            "tool_choice.type: one of 'auto', 'any', 'tool' or 'none'.", param="tool_choice.type"
        )
    if choice.get("disable_parallel_tool_use") is True and kind != "none":
        out["parallel_tool_calls"] = False
    return out
