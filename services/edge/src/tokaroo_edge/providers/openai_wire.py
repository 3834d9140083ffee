"""Pure translation for OpenAI-compatible upstreams (OpenAI, Ollama, vLLM, LocalAI, ...)."""

from __future__ import annotations

from typing import Any

from tokaroo_edge.schemas import ChatCompletionRequest, EmbeddingRequest

Json = dict[str, Any]

_FORWARDED = (
    "temperature",
    "top_p",
    "stop",
    "seed",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "response_format",
    "presence_penalty",
    "frequency_penalty",
    "logit_bias",
    "n",
)


def to_chat_request(req: ChatCompletionRequest, upstream_model: str, *, stream: bool) -> Json:
    body: Json = {
        "model": upstream_model,
        "messages": [m.model_dump(exclude_none=True) for m in req.messages],
    }
    for field in _FORWARDED:
        value = getattr(req, field)
        if value is not None:
            body[field] = value
    limit = req.output_limit
    if limit is not None:
        body["max_completion_tokens" if req.max_completion_tokens else "max_tokens"] = limit
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    return body


def to_embedding_request(req: EmbeddingRequest, upstream_model: str) -> Json:
    body: Json = {"model": upstream_model, "input": req.input, "encoding_format": "float"}
    if req.dimensions is not None:
        body["dimensions"] = req.dimensions
    return body


def parse_sse_line(line: str) -> str | None:
    """The payload of one SSE `data:` line, or None for comments, blanks and other fields."""
    if not line.startswith("data:"):
        return None
    return line[5:].strip()


def error_message(body: Any) -> str:
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            return str(err.get("message", ""))
        if isinstance(err, str):
            return err
    return ""
