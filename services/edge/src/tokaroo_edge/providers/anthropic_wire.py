"""Pure translation between OpenAI chat completions and Anthropic's Messages API."""

from __future__ import annotations

from typing import Any

import orjson

from tokaroo_edge.providers.base import CACHE_WRITE_FIELD, Json, UpstreamFailure, classify_status
from tokaroo_edge.providers.chunks import ChunkEmitter
from tokaroo_edge.schemas import ChatCompletionRequest, Message

DEFAULT_MAX_TOKENS = 4096
JSON_TOOL = "json_response"
_FINISH = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}
_ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}
_JSON_OBJECT_HINT = "Answer with one JSON object and nothing else: no prose, no code fences."
_JSON_TOOL_HINT = f"Give your final answer by calling the {JSON_TOOL} tool."


def unsupported(what: str) -> UpstreamFailure:
    """A request this provider cannot serve: retryable, so the edge tries another one."""
    return UpstreamFailure("http", status=400, retryable=True, detail=f"unsupported: {what}")


def json_mode(req: ChatCompletionRequest) -> bool:
    """True when the answer comes back as the input of the forced `json_response` tool."""
    return (req.response_format or {}).get("type") == "json_schema"


# ---- request ----------------------------------------------------------------------------
def to_messages_request(req: ChatCompletionRequest, upstream_model: str, *, stream: bool) -> Json:
    """The Messages request; a client's `cache_control` marks on content parts, tools and
    system parts are carried over (see `anthropic_cache` for the breakpoints placed when
    there are none)."""
    system, messages = _split(req.messages)
    tools = [_tool(t) for t in req.tools or [] if t.get("type", "function") == "function"]
    choice = _tool_choice(req.tool_choice)
    fmt = req.response_format or {}
    if fmt.get("type") == "json_object":
        system.append(_JSON_OBJECT_HINT)
    elif fmt.get("type") == "json_schema":
        spec = fmt.get("json_schema") or {}
        if not tools:
            choice = {"type": "tool", "name": JSON_TOOL}
        else:
            system.append(_JSON_TOOL_HINT)
        tools.append(
            {
                "name": JSON_TOOL,
                "description": spec.get("description") or "Return the final answer.",
                "input_schema": spec.get("schema") or {"type": "object"},
            }
        )
    if not messages:  # only system text: Anthropic needs at least one user turn
        messages = [{"role": "user", "content": [{"type": "text", "text": "\n\n".join(system)}]}]
        system = []
    body: Json = {
        "model": upstream_model,
        "max_tokens": req.output_limit or DEFAULT_MAX_TOKENS,
        "messages": messages,
    }
    if system:
        body["system"] = "\n\n".join(system)
        mark = _system_mark(req.messages)
        if mark is not None:
            body["system"] = [{"type": "text", "text": body["system"], "cache_control": mark}]
    if tools:
        body["tools"] = tools
        if req.parallel_tool_calls is False:
            choice = {**(choice or {"type": "auto"}), "disable_parallel_tool_use": True}
        if choice is not None:
            body["tool_choice"] = choice
    if req.temperature is not None:
        body["temperature"] = min(req.temperature, 1.0)
    elif req.top_p is not None:  # recent Claude models refuse both at once
        body["top_p"] = req.top_p
    stops = [req.stop] if isinstance(req.stop, str) else (req.stop or [])
    if any(s.strip() for s in stops):
        body["stop_sequences"] = [s for s in stops if s.strip()]
    if req.user:
        body["metadata"] = {"user_id": req.user}
    if stream:
        body["stream"] = True
    return body


def _split(messages: list[Message]) -> tuple[list[str], list[Json]]:
    system: list[str] = []
    out: list[Json] = []
    for m in messages:
        if m.role in ("system", "developer"):
            if text := text_of(m.content):
                system.append(text)
            continue
        if m.role == "assistant":
            role, blocks = "assistant", _assistant_blocks(m)
        elif m.role == "tool":
            role, blocks = "user", [_tool_result(m)]
        else:
            role, blocks = "user", _user_blocks(m.content)
        if not blocks:
            continue
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": blocks})
    return system, out


def _mark(part: Any) -> Json | None:
    """A client's `cache_control` on a content part or tool (an object), else None."""
    cc = part.get("cache_control") if isinstance(part, dict) else None
    return dict(cc) if isinstance(cc, dict) else None


def with_cache_mark(block: Json, part: Any) -> Json:
    """`block` with the client's prompt-cache breakpoint of `part`, if it set one."""
    if (mark := _mark(part)) is not None:
        block["cache_control"] = mark
    return block


def _system_mark(messages: list[Message]) -> Json | None:
    """The last mark on a system or developer part (the system prompt is one block)."""
    mark = None
    for m in messages:
        if m.role in ("system", "developer") and isinstance(m.content, list):
            for part in m.content:
                mark = _mark(part) or mark
    return mark


def text_of(content: str | list[Json] | None) -> str:
    if isinstance(content, str):
        return content
    return "\n".join(
        str(p.get("text") or p.get("refusal") or "")
        for p in content or []
        if p.get("type") in ("text", "input_text", "refusal")
    )


def _user_blocks(content: str | list[Json] | None) -> list[Json]:
    if not isinstance(content, list):
        return [{"type": "text", "text": content}] if content else []
    blocks: list[Json] = []
    for part in content:
        kind = part.get("type")
        if kind == "text":
            if part.get("text"):
                blocks.append(with_cache_mark({"type": "text", "text": part["text"]}, part))
        elif kind == "image_url":
            url = str((part.get("image_url") or {}).get("url") or "")
            blocks.append(with_cache_mark({"type": "image", "source": _source(url)}, part))
        elif kind == "file" and str((part.get("file") or {}).get("file_data", "")).startswith(
            "data:"
        ):
            blocks.append({"type": "document", "source": _source(part["file"]["file_data"])})
        else:
            raise unsupported(f"content part {kind!r}")
    return blocks


def _source(url: str) -> Json:
    if url.startswith("data:"):
        media_type, data = parse_data_url(url)
        return {"type": "base64", "media_type": media_type, "data": data}
    return {"type": "url", "url": url}


def parse_data_url(url: str) -> tuple[str, str]:
    """`data:image/png;base64,AAAA` -> ("image/png", "AAAA")."""
    header, _, data = url.partition(",")
    media_type = header[5:].split(";")[0] or "application/octet-stream"
    if ";base64" not in header:
        raise unsupported("non-base64 data URL")
    return media_type, data


def _assistant_blocks(m: Message) -> list[Json]:
    text = text_of(m.content)
    blocks: list[Json] = [{"type": "text", "text": text}] if text else []
    for call in m.tool_calls or []:
        fn = call.get("function") or {}
        blocks.append(
            {
                "type": "tool_use",
                "id": call.get("id", ""),
                "name": fn.get("name", ""),
                "input": parse_arguments(fn.get("arguments")),
            }
        )
    return blocks


def parse_arguments(arguments: Any) -> Json:
    """OpenAI's JSON-string arguments as the object Anthropic and Gemini expect."""
    if isinstance(arguments, dict):
        return arguments
    try:
        value = orjson.loads(arguments) if arguments else {}
    except orjson.JSONDecodeError:
        return {"arguments": arguments}
    return value if isinstance(value, dict) else {"value": value}


def _tool_result(m: Message) -> Json:
    block: Json = {"type": "tool_result", "tool_use_id": m.tool_call_id or ""}
    if text := text_of(m.content):
        block["content"] = text
    for part in m.content if isinstance(m.content, list) else []:
        with_cache_mark(block, part)
    return block


def _tool(tool: Json) -> Json:
    fn = tool.get("function") or {}
    out: Json = {
        "name": fn.get("name", ""),
        "input_schema": fn.get("parameters") or {"type": "object", "properties": {}},
    }
    if fn.get("description"):
        out["description"] = fn["description"]
    return with_cache_mark(out, tool)


def _tool_choice(choice: str | Json | None) -> Json | None:
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        return {"type": "tool", "name": name} if name else None
    return {"auto": {"type": "auto"}, "required": {"type": "any"}, "none": {"type": "none"}}.get(
        choice or ""
    )


# ---- response ---------------------------------------------------------------------------
def from_messages_response(body: Json, *, json_mode: bool, created: int) -> Json:
    texts: list[str] = []
    calls: list[Json] = []
    answer: str | None = None
    for block in body.get("content") or []:
        if block.get("type") == "text":
            texts.append(str(block.get("text") or ""))
        elif block.get("type") == "tool_use":
            if json_mode and block.get("name") == JSON_TOOL:
                answer = orjson.dumps(block.get("input") or {}).decode()
            else:
                calls.append(
                    {
                        "id": block.get("id", ""),
                        "type": "function",
                        "function": {
                            "name": block.get("name", ""),
                            "arguments": orjson.dumps(block.get("input") or {}).decode(),
                        },
                    }
                )
    message: Json = {
        "role": "assistant",
        "content": answer if answer is not None else ("".join(texts) or None),
    }
    if calls and answer is None:
        message["tool_calls"] = calls
    finish = finish_reason(body.get("stop_reason"), tools=bool(calls), answered=answer is not None)
    return {
        "id": body.get("id", ""),
        "object": "chat.completion",
        "created": created,
        "model": body.get("model", ""),
        "usage": to_usage(body.get("usage") or {}),
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
    }


def finish_reason(stop_reason: Any, *, tools: bool, answered: bool) -> str:
    if stop_reason == "max_tokens":  # a truncated answer or tool input is still truncated
        return "length"
    if answered:
        return "stop"
    if tools:
        return "tool_calls"
    return _FINISH.get(str(stop_reason), "stop")


def to_usage(usage: Json) -> Json:
    """OpenAI's usage: the prompt is every input token (fresh, read from the cache, written
    to it); the cache writes stay in `prompt_tokens_details` for pricing (see `base`)."""
    cached = int(usage.get("cache_read_input_tokens") or 0)
    written = int(usage.get("cache_creation_input_tokens") or 0)
    prompt = int(usage.get("input_tokens") or 0) + cached + written
    completion = int(usage.get("output_tokens") or 0)
    details: Json = {"cached_tokens": cached}
    if written:
        details[CACHE_WRITE_FIELD] = written
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": details,
    }


def error_failure(body: Any, status: int = 0) -> UpstreamFailure:
    """An Anthropic `{"type": "error", "error": {...}}` body (HTTP or in-stream) as a failure."""
    err = body.get("error") if isinstance(body, dict) else None
    err = err if isinstance(err, dict) else {}
    status = status or _ERROR_STATUS.get(str(err.get("type")), 500)
    return UpstreamFailure(
        "http",
        status=status,
        retryable=classify_status(status),
        detail=str(err.get("message") or err.get("type") or ""),
    )


# ---- streaming --------------------------------------------------------------------------
class AnthropicStreamTranslator(ChunkEmitter):
    """Anthropic SSE events in, OpenAI `chat.completion.chunk` dicts out, one event at a time.
    The role chunk waits for the first content, so an early `error` event stays retryable."""

    def __init__(self, *, json_mode: bool, created: int) -> None:
        super().__init__(created)
        self._json_mode = json_mode
        self._usage: Json = {}
        self._stop_reason: Any = None
        self._blocks: dict[int, tuple[str, int]] = {}  # block index -> (kind, tool index)
        self._args_seen: set[int] = set()
        self._tools = 0
        self._answered = False
        self.done = False

    def feed(self, event: Json) -> list[Json]:
        kind = event.get("type")
        if kind == "message_start":
            msg = event.get("message") or {}
            self._id, self._model = str(msg.get("id", "")), str(msg.get("model", ""))
            self._usage.update(msg.get("usage") or {})
        elif kind == "content_block_start":
            return self._start(int(event.get("index", 0)), event.get("content_block") or {})
        elif kind == "content_block_delta":
            return self._delta(int(event.get("index", 0)), event.get("delta") or {})
        elif kind == "content_block_stop":
            return self._stop(int(event.get("index", 0)))
        elif kind == "message_delta":
            self._stop_reason = (event.get("delta") or {}).get("stop_reason", self._stop_reason)
            self._usage.update(
                {k: v for k, v in (event.get("usage") or {}).items() if v is not None}
            )
        elif kind == "message_stop":
            self.done = True
            finish = finish_reason(
                self._stop_reason, tools=self._tools > 0, answered=self._answered
            )
            return [
                *self._emit({}, finish),
                {
                    "id": self._id,
                    "object": "chat.completion.chunk",
                    "created": self._created,
                    "model": self._model,
                    "choices": [],
                    "usage": to_usage(self._usage),
                },
            ]
        elif kind == "error":
            raise error_failure(event)
        return []  # ping and event types added later

    def _start(self, index: int, block: Json) -> list[Json]:
        if block.get("type") == "text":
            self._blocks[index] = ("text", 0)
            return self._emit({"content": block["text"]}) if block.get("text") else []
        if block.get("type") != "tool_use":
            return []  # thinking and server-tool blocks are not part of the OpenAI answer
        if self._json_mode and block.get("name") == JSON_TOOL:
            self._blocks[index] = ("json", 0)
            self._answered = True
            return []
        self._blocks[index] = ("tool", self._tools)
        self._tools += 1
        return self._emit(
            {
                "tool_calls": [
                    {
                        "index": self._tools - 1,
                        "id": block.get("id", ""),
                        "type": "function",
                        "function": {"name": block.get("name", ""), "arguments": ""},
                    }
                ]
            }
        )

    def _delta(self, index: int, delta: Json) -> list[Json]:
        kind, tool = self._blocks.get(index, ("skip", 0))
        if delta.get("type") == "text_delta" and kind == "text" and delta.get("text"):
            return self._emit({"content": delta["text"]})
        fragment = delta.get("partial_json") if delta.get("type") == "input_json_delta" else ""
        if not fragment:
            return []
        self._args_seen.add(index)
        if kind == "json":
            return self._emit({"content": fragment})
        if kind == "tool":
            return self._emit(
                {"tool_calls": [{"index": tool, "function": {"arguments": fragment}}]}
            )
        return []

    def _stop(self, index: int) -> list[Json]:
        kind, tool = self._blocks.get(index, ("skip", 0))
        if index in self._args_seen:
            return []
        if kind == "tool":  # a call without arguments
            return self._emit({"tool_calls": [{"index": tool, "function": {"arguments": "{}"}}]})
        return self._emit({"content": "{}"}) if kind == "json" else []
