"""The OpenAI Responses API as the canonical chat completion, and back. Pure: no I/O.

A Responses body becomes a `ChatCompletionRequest` (instructions as the first system message,
then the earlier turns of `previous_response_id`, then the input items); a chat.completion
becomes a Responses `response` object. Function calls keep their id: a function_call item's
`call_id` is the canonical tool call id, and a function_call_output's `call_id` its
`tool_call_id`. Tools are translated by responses_tools (built-in tools are refused there);
items that only exist on OpenAI's side (item references, built-in tool calls) are refused
with a 400 naming the field: Tokaroo would otherwise answer without them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from tokaroo_common.errors import InvalidRequest

from tokaroo_edge.dialects.responses_tools import (
    namespaces,
    qualified,
    split,
    to_chat_tool_choice,
    to_chat_tools,
)
from tokaroo_edge.schemas import ChatCompletionRequest, Message

Json = dict[str, Any]

_ROLES = ("user", "system", "developer", "assistant")
_SKIPPED_ITEMS = frozenset({"reasoning"})  # a model's reasoning: not replayed to another one
_FINISH_STATUS = {
    "length": ("incomplete", "max_output_tokens"),
    "content_filter": ("incomplete", "content_filter"),
}


class ResponsesRequest(BaseModel):
    """`POST /v1/responses` (validated; unknown fields tolerated and echoed nowhere)."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1, max_length=256)
    input: str | list[dict[str, Any]] | None = None
    instructions: str | None = None
    previous_response_id: str | None = Field(default=None, max_length=256)
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    text: dict[str, Any] | None = None
    max_output_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    reasoning: dict[str, Any] | None = None
    metadata: dict[str, str] | None = None
    user: str | None = None
    stream: bool = False
    store: bool = True
    truncation: Literal["auto", "disabled"] | None = None


def response_id(request_id: str) -> str:
    return "resp_" + request_id.replace("-", "")


def _bad(message: str, param: str) -> InvalidRequest:
    return InvalidRequest(message, param=param)


# ---- request -------------------------------------------------------------------------------
def _part(part: Any, param: str) -> Json:
    if not isinstance(part, dict):
        raise _bad("Each content part must be an object.", param)
    kind = part.get("type")
    if kind in ("input_text", "output_text", "text"):
        return {"type": "text", "text": str(part.get("text") or "")}
    if kind == "refusal":
        return {"type": "text", "text": str(part.get("refusal") or "")}
    if kind == "input_image":
        url = part.get("image_url")
        if not isinstance(url, str) or not url:
            raise _bad(
                "input_image needs an image_url (a URL or a data: URL); file_id "
                "references to OpenAI's file storage are not supported.",
                param,
            )
        image: Json = {"url": url}
        if part.get("detail"):
            image["detail"] = part["detail"]
        return {"type": "image_url", "image_url": image}
    if kind == "input_file":
        if not part.get("file_data"):
            raise _bad(
                "input_file needs file_data; file_id and file_url references are not supported.",
                param,
            )
        return {
            "type": "file",
            "file": {k: part[k] for k in ("file_data", "filename") if part.get(k)},
        }
    raise _bad(f"Unsupported content part type {kind!r}.", param)


def _content(content: Any, param: str) -> str | list[Json]:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise _bad("content must be a string or an array of content parts.", param)
    parts = [_part(p, f"{param}[{i}]") for i, p in enumerate(content)]
    if all(p["type"] == "text" for p in parts):
        return "".join(str(p["text"]) for p in parts)
    return parts


def _output_text(output: Any, param: str) -> str | list[Json]:
    if isinstance(output, str):
        return output
    return _content(output, param)


def _append_call(messages: list[Message], call: Json) -> None:
    """Consecutive function calls (and the assistant text before them) are one assistant turn,
    as chat completions represent parallel calls."""
    last = messages[-1] if messages else None
    if last is not None and last.role == "assistant" and not isinstance(last.content, list):
        last.tool_calls = [*(last.tool_calls or []), call]
        return
    messages.append(Message(role="assistant", content=None, tool_calls=[call]))


def items_to_messages(items: list[dict[str, Any]], param: str = "input") -> list[Message]:
    """Input items (or a response's output items, which are valid input) as chat messages."""
    messages: list[Message] = []
    for i, item in enumerate(items):
        where = f"{param}[{i}]"
        kind = item.get("type", "message")
        if not isinstance(kind, str):
            raise _bad("An input item's type must be a string.", f"{where}.type")
        if kind == "message":
            role = item.get("role")
            if role not in _ROLES:
                raise _bad(f"role must be one of {', '.join(_ROLES)}.", f"{where}.role")
            messages.append(
                Message(role=role, content=_content(item.get("content"), f"{where}.content"))
            )
        elif kind == "function_call":
            call_id, name = item.get("call_id"), item.get("name")
            if not isinstance(call_id, str) or not call_id or not isinstance(name, str):
                raise _bad("function_call needs call_id and name.", where)
            _append_call(
                messages,
                {
                    "id": call_id,
                    "type": "function",
                    "function": {
                        "name": qualified(name, item.get("namespace")),
                        "arguments": str(item.get("arguments") or ""),
                    },
                },
            )
        elif kind == "function_call_output":
            call_id = item.get("call_id")
            if not isinstance(call_id, str) or not call_id:
                raise _bad("function_call_output needs the call_id it answers.", where)
            messages.append(
                Message(
                    role="tool",
                    tool_call_id=call_id,
                    content=_output_text(item.get("output", ""), f"{where}.output"),
                )
            )
        elif kind not in _SKIPPED_ITEMS:
            raise _bad(
                f"Input items of type {kind!r} are not supported by Tokaroo (only "
                "message, function_call and function_call_output).",
                f"{where}.type",
            )
    return messages


def input_messages(req: ResponsesRequest) -> list[Message]:
    """This request's own input, without its instructions."""
    if req.input is None or req.input == "":
        return []
    if isinstance(req.input, str):
        return [Message(role="user", content=req.input)]
    return items_to_messages(req.input)


def _response_format(text: Json | None) -> Json | None:
    fmt = (text or {}).get("format")
    if fmt is None:
        return None
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if kind == "text":
        return None
    if kind == "json_object":
        return {"type": "json_object"}
    if kind == "json_schema" and isinstance(fmt, dict):
        if not isinstance(fmt.get("schema"), dict) or not fmt.get("name"):
            raise _bad("text.format json_schema needs a name and a schema.", "text.format")
        schema: Json = {"name": fmt["name"], "schema": fmt["schema"]}
        for key in ("strict", "description"):
            if fmt.get(key) is not None:
                schema[key] = fmt[key]
        return {"type": "json_schema", "json_schema": schema}
    raise _bad("text.format.type must be text, json_object or json_schema.", "text.format.type")


def to_chat_request(req: ResponsesRequest, history: list[Message]) -> ChatCompletionRequest:
    """The canonical request: instructions, the stored earlier turns, then this input."""
    messages = [Message(role="system", content=req.instructions)] if req.instructions else []
    messages += history + input_messages(req)
    if not messages:
        raise _bad("input is required (a string or an array of input items).", "input")
    tools = to_chat_tools(req.tools)
    try:
        return _chat(req, messages, tools)
    except ValidationError as exc:  # a value chat completions bounds tighter
        first = exc.errors()[0]
        raise _bad(
            f"Invalid request body: {first.get('msg', 'invalid value')}.",
            ".".join(str(p) for p in first.get("loc", ())),
        ) from exc


def _chat(
    req: ResponsesRequest, messages: list[Message], tools: list[Json] | None
) -> ChatCompletionRequest:
    return ChatCompletionRequest(
        model=req.model,
        messages=messages,
        stream=req.stream,
        tools=tools,
        tool_choice=to_chat_tool_choice(req.tool_choice) if tools else None,
        parallel_tool_calls=req.parallel_tool_calls if tools else None,
        response_format=_response_format(req.text),
        max_completion_tokens=req.max_output_tokens,
        temperature=req.temperature,
        top_p=req.top_p,
        user=req.user,
    )


# ---- response ------------------------------------------------------------------------------
def base_response(req: ResponsesRequest, resp_id: str, created_at: int) -> Json:
    """The response object before any output: what the request asked, echoed."""
    return {
        "id": resp_id,
        "object": "response",
        "created_at": created_at,
        "status": "in_progress",
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": req.instructions,
        "max_output_tokens": req.max_output_tokens,
        "metadata": req.metadata or {},
        "model": req.model,
        "output": [],
        "parallel_tool_calls": True if req.parallel_tool_calls is None else req.parallel_tool_calls,
        "previous_response_id": req.previous_response_id,
        "reasoning": {
            "effort": (req.reasoning or {}).get("effort"),
            "summary": (req.reasoning or {}).get("summary"),
        },
        "store": req.store,
        "temperature": 1.0 if req.temperature is None else req.temperature,
        "text": {"format": (req.text or {}).get("format") or {"type": "text"}},
        "tool_choice": req.tool_choice or "auto",
        "tools": req.tools or [],
        "top_p": 1.0 if req.top_p is None else req.top_p,
        "truncation": req.truncation or "disabled",
        "usage": None,
        "user": req.user,
    }


def message_item(item_id: str, text: str, status: str = "completed") -> Json:
    content = [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]
    return {
        "type": "message",
        "id": item_id,
        "status": status,
        "role": "assistant",
        "content": content if text or status == "completed" else [],
    }


def call_item(
    item_id: str,
    call_id: str,
    name: str,
    arguments: str,
    status: str = "completed",
    known: frozenset[str] = frozenset(),
) -> Json:
    """A function_call item; `known` are the request's namespaces (see responses_tools)."""
    plain, namespace = split(name, known)
    item: Json = {
        "type": "function_call",
        "id": item_id,
        "call_id": call_id,
        "name": plain,
        "arguments": arguments,
        "status": status,
    }
    if namespace is not None:
        item["namespace"] = namespace
    return item


def item_ids(resp_id: str) -> tuple[str, str]:
    """The message item's id and the prefix of function call item ids."""
    tail = resp_id.removeprefix("resp_")
    return "msg_" + tail, "fc_" + tail


def usage(chat_usage: Json | None) -> Json | None:
    """A chat usage object (with its cost) in the Responses shape."""
    if not isinstance(chat_usage, dict):
        return None
    prompt = int(chat_usage.get("prompt_tokens") or 0)
    completion = int(chat_usage.get("completion_tokens") or 0)
    details = chat_usage.get("prompt_tokens_details") or {}
    out: Json = {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": int(details.get("cached_tokens") or 0)},
        "output_tokens": completion,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": prompt + completion,
    }
    if "cost_usd" in chat_usage:
        out["cost_usd"] = chat_usage["cost_usd"]
    return out


def finished(
    base: Json, output: list[Json], finish_reason: str | None, chat_usage: Json | None
) -> Json:
    status, reason = _FINISH_STATUS.get(finish_reason or "stop", ("completed", None))
    return {
        **base,
        "status": status,
        "output": output,
        "usage": usage(chat_usage),
        "incomplete_details": {"reason": reason} if reason else None,
    }


def to_response(completion: Json, base: Json) -> Json:
    """A (shaped) chat.completion as the finished response object."""
    choice = (completion.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    msg_id, fc_prefix = item_ids(str(base["id"]))
    output: list[Json] = []
    text = message.get("content")
    if isinstance(text, str) and text:
        output.append(message_item(msg_id, text))
    elif message.get("refusal"):
        output.append(
            {
                **message_item(msg_id, ""),
                "content": [{"type": "refusal", "refusal": str(message["refusal"])}],
            }
        )
    for i, call in enumerate(message.get("tool_calls") or []):
        fn = call.get("function") or {}
        output.append(
            call_item(
                f"{fc_prefix}_{i}",
                str(call.get("id") or ""),
                str(fn.get("name") or ""),
                str(fn.get("arguments") or ""),
                known=namespaces(base["tools"]),
            )
        )
    if not output:
        output.append(message_item(msg_id, ""))
    return finished(base, output, choice.get("finish_reason"), completion.get("usage"))
