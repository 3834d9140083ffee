"""Google Gemini (Generative Language API v1beta) wire format: GenerateContentResponse as a
body, as SSE (`alt=sse`) or as a streamed JSON array, embeddings, errors. Pure.

The REST API reads both camelCase and snake_case field names, so requests are read in both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import orjson

from tokaroo_simulator.content import BadRequest, Prompt, Reply, Tool
from tokaroo_simulator.dialect import ReplyContext

MAX_GEMINI_DIMS = 3072

NAME = "gemini"
OPENING_FRAMES = 0  # every streamed GenerateContentResponse carries text
MODELS = ("gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.0-flash", "text-embedding-004")
SSE_END = b"\r\n\r\n"  # Google terminates each SSE event with CRLF CRLF
_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_MESSAGES = {
    429: "Resource has been exhausted (e.g. check quota).",
    500: "An internal error has occurred. Please retry or report in "
    "https://developers.generativeai.google/guide/troubleshooting",
    503: "The model is overloaded. Please try again later.",
}
_FINISH = {"stop": "STOP", "stop_sequence": "STOP", "length": "MAX_TOKENS", "tool_calls": "STOP"}
_MODES: dict[str, Literal["auto", "none", "required"]] = {
    "AUTO": "auto",
    "MODE_UNSPECIFIED": "auto",
    "ANY": "required",
    "VALIDATED": "auto",
    "NONE": "none",
}


def error_body(status: int, message: str) -> dict[str, Any]:
    return {
        "error": {
            "code": status,
            "message": message or _MESSAGES.get(status, "Error"),
            "status": _STATUS.get(status, "UNKNOWN"),
        }
    }


def auth_error(
    headers: Mapping[str, str], query: Mapping[str, str]
) -> tuple[int, dict[str, Any]] | None:
    if headers.get("x-goog-api-key") or query.get("key"):
        return None
    return 403, error_body(
        403,
        "Method doesn't allow unregistered callers (callers without "
        "established identity). Please use API Key or other form of "
        "API consumer identity to call this API.",
    )


def _get(obj: Mapping[str, Any], camel: str, snake: str, default: Any = None) -> Any:
    value = obj.get(camel)
    return obj.get(snake, default) if value is None else value


def _parts(parts: Any, texts: list[str]) -> tuple[int, bool]:
    """Collect text from parts; returns (images, has a functionResponse part)."""
    if not isinstance(parts, list):
        raise BadRequest("parts must be an array")
    images, fn_response = 0, False
    for part in parts:
        if not isinstance(part, Mapping):
            raise BadRequest("each part must be an object")
        if isinstance(part.get("text"), str):
            texts.append(part["text"])
        elif _get(part, "inlineData", "inline_data") or _get(part, "fileData", "file_data"):
            images += 1
        elif (call := _get(part, "functionCall", "function_call")) is not None:
            texts.append(f"{call.get('name', '')}({orjson.dumps(call.get('args')).decode()})")
        elif (resp := _get(part, "functionResponse", "function_response")) is not None:
            fn_response = True
            texts.append(orjson.dumps(resp.get("response")).decode())
    return images, fn_response


def _tools(body: Mapping[str, Any]) -> tuple[tuple[Tool, ...], int]:
    raw = body.get("tools") or []
    tools: list[Tool] = []
    for group in raw if isinstance(raw, list) else []:
        decls = (
            _get(group, "functionDeclarations", "function_declarations", [])
            if isinstance(group, Mapping)
            else []
        )
        for d in decls:
            if isinstance(d, Mapping) and isinstance(d.get("name"), str):
                params = (
                    d.get("parameters")
                    or _get(d, "parametersJsonSchema", "parameters_json_schema")
                    or {}
                )
                tools.append(Tool(d["name"], params))
    return tuple(tools), len(orjson.dumps(raw)) if raw else 0


def parse_chat(body: Any) -> Prompt:
    if not isinstance(body, Mapping):
        raise BadRequest("request body must be a JSON object")
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise BadRequest("* GenerateContentRequest.contents: contents is not specified")
    texts: list[str] = []
    system = _get(body, "systemInstruction", "system_instruction")
    if isinstance(system, Mapping):
        _parts(system.get("parts", []), texts)
    images, fn_response = 0, False
    for c in contents:
        if not isinstance(c, Mapping):
            raise BadRequest("each content must be an object")
        i, fn_response = _parts(c.get("parts", []), texts)
        images += i
    last_role = contents[-1].get("role") or "user"
    tools, tool_chars = _tools(body)
    fcc = (
        _get(
            _get(body, "toolConfig", "tool_config", {}) or {},
            "functionCallingConfig",
            "function_calling_config",
            {},
        )
        or {}
    )
    choice = _MODES.get(str(fcc.get("mode", "AUTO")).upper(), "auto")
    allowed = _get(fcc, "allowedFunctionNames", "allowed_function_names") or []
    forced = allowed[0] if choice == "required" and allowed else None
    gen = _get(body, "generationConfig", "generation_config", {}) or {}
    max_tokens = _get(gen, "maxOutputTokens", "max_output_tokens")
    if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1):
        raise BadRequest("generationConfig.maxOutputTokens must be a positive integer")
    schema = _get(gen, "responseJsonSchema", "response_json_schema") or _get(
        gen, "responseSchema", "response_schema"
    )
    json_mode = _get(gen, "responseMimeType", "response_mime_type") == "application/json"
    kind: Literal["text", "json_object", "json_schema"] = (
        "json_schema" if isinstance(schema, Mapping) else "json_object" if json_mode else "text"
    )
    stops = tuple(
        s for s in _get(gen, "stopSequences", "stop_sequences") or () if isinstance(s, str)
    )
    return Prompt(
        texts=tuple(texts),
        images=images,
        tools=tools,
        tool_choice=choice,
        forced_tool=forced,
        user_turn=last_role == "user" and not fn_response,
        after_tool_result=fn_response,
        response_kind=kind,
        response_schema=schema if isinstance(schema, Mapping) else None,
        max_tokens=max_tokens,
        stop=stops,
        extra_prompt_chars=tool_chars,
    )


def usage(reply: Reply, completion_tokens: int | None = None) -> dict[str, Any]:
    out = reply.completion_tokens if completion_tokens is None else completion_tokens
    meta: dict[str, Any] = {
        "promptTokenCount": reply.prompt_tokens,
        "totalTokenCount": reply.prompt_tokens + out,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": reply.prompt_tokens}],
    }
    if out:
        meta["candidatesTokenCount"] = out
    if reply.cached_tokens:
        meta["cachedContentTokenCount"] = reply.cached_tokens
        meta["cacheTokensDetails"] = [{"modality": "TEXT", "tokenCount": reply.cached_tokens}]
    return meta


def _response(
    parts: list[dict[str, Any]], finish: str | None, meta: dict[str, Any], ctx: ReplyContext
) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}}
    if finish is not None:
        candidate["finishReason"] = finish
    candidate["index"] = 0
    return {
        "candidates": [candidate],
        "usageMetadata": meta,
        "modelVersion": ctx.model,
        "responseId": ctx.response_id,
    }


def _parts_of(reply: Reply) -> list[dict[str, Any]]:
    call = reply.tool_call
    if call is not None:
        return [{"functionCall": {"name": call.name, "args": call.input}}]
    return [{"text": reply.text}]


def render(reply: Reply, ctx: ReplyContext) -> dict[str, Any]:
    return _response(_parts_of(reply), _FINISH[reply.finish], usage(reply), ctx)


def stream_responses(reply: Reply, ctx: ReplyContext) -> list[dict[str, Any]]:
    """The GenerateContentResponse objects of a stream: one per token (a function call comes
    whole, as Gemini sends it); usage is cumulative and the last one has finishReason."""
    if reply.tool_call is not None:
        return [render(reply, ctx)]
    out = []
    last = len(reply.pieces) - 1
    for i, piece in enumerate(reply.pieces):
        finish = _FINISH[reply.finish] if i == last else None
        out.append(_response([{"text": piece}], finish, usage(reply, i + 1), ctx))
    if not out:
        out.append(_response([{"text": ""}], _FINISH[reply.finish], usage(reply), ctx))
    return out


def stream_frames(reply: Reply, ctx: ReplyContext, include_usage: bool = True) -> list[bytes]:
    """`alt=sse`: one `data:` event per response."""
    return [b"data: " + orjson.dumps(r) + SSE_END for r in stream_responses(reply, ctx)]


def json_array_frames(reply: Reply, ctx: ReplyContext) -> list[bytes]:
    """Without `alt=sse` the stream is one JSON array, sent element by element."""
    items = [orjson.dumps(r) for r in stream_responses(reply, ctx)]
    return [(b"[" if i == 0 else b",\r\n") + item for i, item in enumerate(items)] + [b"]"]


def embed_text(request: Any) -> tuple[str, int | None]:
    """The text and outputDimensionality of one EmbedContentRequest."""
    if not isinstance(request, Mapping) or not isinstance(request.get("content"), Mapping):
        raise BadRequest("* EmbedContentRequest.content: content is not specified")
    texts: list[str] = []
    _parts(request["content"].get("parts", []), texts)
    dims = _get(request, "outputDimensionality", "output_dimensionality")
    # Gemini's embedding models give at most 3072 dimensions; a bound here also keeps one
    # request from asking the simulator for millions of floats.
    if dims is not None and (not isinstance(dims, int) or not 1 <= dims <= MAX_GEMINI_DIMS):
        raise BadRequest(f"outputDimensionality must be between 1 and {MAX_GEMINI_DIMS}")
    return " ".join(texts), dims


def models_body() -> dict[str, Any]:
    return {
        "models": [
            {
                "name": f"models/{m}",
                "version": "001",
                "displayName": m,
                "supportedGenerationMethods": ["embedContent"]
                if "embedding" in m
                else ["generateContent", "countTokens"],
            }
            for m in MODELS
        ]
    }
