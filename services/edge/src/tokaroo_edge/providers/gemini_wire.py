"""Pure translation between OpenAI chat completions / embeddings and the Gemini API
(generateContent, streamGenerateContent, batchEmbedContents)."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from tokaroo_edge.providers.base import Json, UpstreamFailure, classify_status
from tokaroo_edge.providers.chunks import ChunkEmitter
from tokaroo_edge.schemas import ChatCompletionRequest, EmbeddingRequest, Message

_FINISH = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter",
}
_MODES = {"auto": "AUTO", "required": "ANY", "none": "NONE"}
_MIME = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "heic": "image/heic",
    "heif": "image/heif",
    "pdf": "application/pdf",
}


def unsupported(what: str) -> UpstreamFailure:
    """A request this provider cannot serve: retryable, so the edge tries another one."""
    return UpstreamFailure("http", status=400, retryable=True, detail=f"unsupported: {what}")


def model_path(upstream_model: str) -> str:
    """`gemini-2.0-flash` or `models/gemini-2.0-flash` -> `models/gemini-2.0-flash`."""
    return upstream_model if upstream_model.startswith("models/") else f"models/{upstream_model}"


# ---- request ----------------------------------------------------------------------------
def to_generate_request(req: ChatCompletionRequest) -> Json:
    system, contents = _contents(req.messages)
    if not contents:  # only system text: Gemini needs at least one content
        contents, system = [{"role": "user", "parts": [{"text": "\n\n".join(system)}]}], []
    body: Json = {"contents": contents}
    if system:
        body["systemInstruction"] = {"parts": [{"text": "\n\n".join(system)}]}
    if config := _generation_config(req):
        body["generationConfig"] = config
    decls = [_declaration(t) for t in req.tools or [] if t.get("type", "function") == "function"]
    if decls:
        body["tools"] = [{"functionDeclarations": decls}]
        if (tool_config := _tool_config(req.tool_choice)) is not None:
            body["toolConfig"] = {"functionCallingConfig": tool_config}
    return body


def _contents(messages: list[Message]) -> tuple[list[str], list[Json]]:
    system: list[str] = []
    out: list[Json] = []
    names: dict[str, str] = {}  # tool_call id -> function name, for functionResponse
    for m in messages:
        if m.role in ("system", "developer"):
            if text := _text_of(m.content):
                system.append(text)
            continue
        if m.role == "assistant":
            role, parts = "model", _model_parts(m, names)
        elif m.role == "tool":
            name = names.get(m.tool_call_id or "", m.name or "tool")
            role, parts = (
                "user",
                [
                    {
                        "functionResponse": {
                            "name": name,
                            "response": {"content": _maybe_json(_text_of(m.content))},
                        }
                    }
                ],
            )
        else:
            role, parts = "user", _user_parts(m.content)
        if not parts:
            continue
        if out and out[-1]["role"] == role:
            out[-1]["parts"].extend(parts)
        else:
            out.append({"role": role, "parts": parts})
    return system, out


def _text_of(content: str | list[Json] | None) -> str:
    if isinstance(content, str):
        return content
    return "\n".join(
        str(p.get("text") or p.get("refusal") or "")
        for p in content or []
        if p.get("type") in ("text", "input_text", "refusal")
    )


def _maybe_json(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text


def _user_parts(content: str | list[Json] | None) -> list[Json]:
    if not isinstance(content, list):
        return [{"text": content}] if content else []
    parts: list[Json] = []
    for part in content:
        kind = part.get("type")
        if kind == "text":
            if part.get("text"):
                parts.append({"text": part["text"]})
        elif kind == "image_url":
            parts.append(_media(str((part.get("image_url") or {}).get("url") or "")))
        elif kind == "file" and str((part.get("file") or {}).get("file_data", "")).startswith(
            "data:"
        ):
            parts.append(_media(part["file"]["file_data"]))
        else:
            raise unsupported(f"content part {kind!r}")
    return parts


def _media(url: str) -> Json:
    if url.startswith("data:"):
        header, _, data = url.partition(",")
        if ";base64" not in header:
            raise unsupported("non-base64 data URL")
        return {"inlineData": {"mimeType": header[5:].split(";")[0], "data": data}}
    ext = url.split("?")[0].rsplit(".", 1)[-1].lower()
    return {"fileData": {"fileUri": url, "mimeType": _MIME.get(ext, "image/jpeg")}}


def _model_parts(m: Message, names: dict[str, str]) -> list[Json]:
    text = _text_of(m.content)
    parts: list[Json] = [{"text": text}] if text else []
    for call in m.tool_calls or []:
        fn = call.get("function") or {}
        names[str(call.get("id", ""))] = str(fn.get("name", ""))
        parts.append(
            {"functionCall": {"name": fn.get("name", ""), "args": _arguments(fn.get("arguments"))}}
        )
    return parts


def _arguments(arguments: Any) -> Json:
    if isinstance(arguments, dict):
        return arguments
    value = _maybe_json(arguments) if arguments else {}
    return value if isinstance(value, dict) else {"value": value}


def _generation_config(req: ChatCompletionRequest) -> Json:
    config: Json = {}
    pairs = (
        ("temperature", req.temperature),
        ("topP", req.top_p),
        ("maxOutputTokens", req.output_limit),
        ("seed", req.seed),
        ("presencePenalty", req.presence_penalty),
        ("frequencyPenalty", req.frequency_penalty),
    )
    config.update({key: value for key, value in pairs if value is not None})
    if req.stop:
        config["stopSequences"] = [req.stop] if isinstance(req.stop, str) else req.stop
    fmt = req.response_format or {}
    if fmt.get("type") in ("json_object", "json_schema"):
        config["responseMimeType"] = "application/json"
        schema = (fmt.get("json_schema") or {}).get("schema")
        if fmt.get("type") == "json_schema" and schema:
            config["responseJsonSchema"] = schema
    return config


def _declaration(tool: Json) -> Json:
    fn = tool.get("function") or {}
    out: Json = {"name": fn.get("name", ""), "description": fn.get("description", "")}
    if fn.get("parameters"):
        out["parametersJsonSchema"] = fn["parameters"]
    return out


def _tool_config(choice: str | Json | None) -> Json | None:
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        return {"mode": "ANY", "allowedFunctionNames": [name]} if name else None
    return {"mode": _MODES[choice]} if choice in _MODES else None


# ---- response ---------------------------------------------------------------------------
def call_id(index: int, name: str, args: Any) -> str:
    """A stable id for a Gemini function call (Gemini does not always send one)."""
    raw = orjson.dumps([index, name, args], option=orjson.OPT_SORT_KEYS)
    return "call_" + hashlib.sha256(raw).hexdigest()[:24]


def tool_call(index: int, part: Json) -> Json:
    fc = part["functionCall"]
    name, args = str(fc.get("name", "")), fc.get("args") or {}
    return {
        "id": str(fc.get("id") or call_id(index, name, args)),
        "type": "function",
        "function": {"name": name, "arguments": orjson.dumps(args).decode()},
    }


def _candidate(body: Json) -> Json:
    candidates = body.get("candidates") or [{}]
    return candidates[0] if isinstance(candidates[0], dict) else {}


def finish_reason(body: Json, *, tools: bool) -> str | None:
    if (body.get("promptFeedback") or {}).get("blockReason"):
        return "content_filter"
    reason = _candidate(body).get("finishReason")
    if reason is None:
        return None
    return "tool_calls" if tools and reason == "STOP" else _FINISH.get(str(reason), "stop")


def from_generate_response(body: Json, *, model: str, created: int) -> Json:
    texts: list[str] = []
    calls: list[Json] = []
    for part in (_candidate(body).get("content") or {}).get("parts") or []:
        if "functionCall" in part:
            calls.append(tool_call(len(calls), part))
        elif part.get("text") and not part.get("thought"):
            texts.append(str(part["text"]))
    message: Json = {"role": "assistant", "content": "".join(texts) or None}
    if calls:
        message["tool_calls"] = calls
    return {
        "id": body.get("responseId", ""),
        "object": "chat.completion",
        "created": created,
        "model": body.get("modelVersion") or model,
        "usage": to_usage(body.get("usageMetadata") or {}),
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": finish_reason(body, tools=bool(calls)) or "stop",
            }
        ],
    }


def to_usage(meta: Json) -> Json:
    prompt = int(meta.get("promptTokenCount") or 0) + int(meta.get("toolUsePromptTokenCount") or 0)
    completion = int(meta.get("candidatesTokenCount") or 0) + int(
        meta.get("thoughtsTokenCount") or 0
    )
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": int(meta.get("cachedContentTokenCount") or 0)},
    }


def error_failure(body: Any, status: int) -> UpstreamFailure:
    """A Google `{"error": {"code", "message", "status"}}` body as a failure."""
    err = body.get("error") if isinstance(body, dict) else None
    err = err if isinstance(err, dict) else {}
    status = status or int(err.get("code") or 500)
    return UpstreamFailure(
        "http",
        status=status,
        retryable=classify_status(status),
        detail=str(err.get("message") or err.get("status") or ""),
    )


class GeminiStreamTranslator(ChunkEmitter):
    """Each streamed GenerateContentResponse in, OpenAI chunk dicts out; `close()` at the end
    of the byte stream gives the usage chunk, or raises when no finishReason ever came."""

    def __init__(self, *, model: str, created: int) -> None:
        super().__init__(created, model)
        self._usage: Json = {}
        self._tools = 0
        self._finished = False

    def feed(self, body: Json) -> list[Json]:
        if "error" in body:
            raise error_failure(body, 0)
        self._id = str(body.get("responseId") or self._id)
        self._model = str(body.get("modelVersion") or self._model)
        self._usage = body.get("usageMetadata") or self._usage
        chunks: list[Json] = []
        for part in (_candidate(body).get("content") or {}).get("parts") or []:
            if "functionCall" in part:
                call = {"index": self._tools, **tool_call(self._tools, part)}
                self._tools += 1
                chunks += self._emit({"tool_calls": [call]})
            elif part.get("text") and not part.get("thought"):
                chunks += self._emit({"content": part["text"]})
        finish = finish_reason(body, tools=self._tools > 0)
        if finish is not None and not self._finished:
            self._finished = True
            chunks += self._emit({}, finish)
        return chunks

    def close(self) -> list[Json]:
        if not self._finished:
            raise UpstreamFailure(
                "protocol", retryable=True, detail="stream ended without finishReason"
            )
        return [
            {
                "id": self._id,
                "object": "chat.completion.chunk",
                "created": self._created,
                "model": self._model,
                "choices": [],
                "usage": to_usage(self._usage),
            }
        ]


# ---- embeddings -------------------------------------------------------------------------
def embedding_texts(req: EmbeddingRequest) -> list[str]:
    if isinstance(req.input, str):
        return [req.input]
    if all(isinstance(v, str) for v in req.input):
        return [str(v) for v in req.input]
    raise unsupported("token-array embedding input")


def to_embed_request(req: EmbeddingRequest, upstream_model: str) -> Json:
    extra: Json = {"outputDimensionality": req.dimensions} if req.dimensions else {}
    return {
        "requests": [
            {"model": model_path(upstream_model), "content": {"parts": [{"text": text}]}, **extra}
            for text in embedding_texts(req)
        ]
    }


def from_embed_response(body: Json, texts: list[str], *, model: str) -> Json:
    vectors = body.get("embeddings") or []
    if len(vectors) != len(texts):
        raise UpstreamFailure("protocol", retryable=True, detail="embedding count mismatch")
    data = [
        {"object": "embedding", "index": i, "embedding": [float(x) for x in v.get("values") or []]}
        for i, v in enumerate(vectors)
    ]
    tokens = int((body.get("usageMetadata") or {}).get("promptTokenCount") or 0) or sum(
        max(1, (len(t) + 3) // 4) for t in texts
    )
    return {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
