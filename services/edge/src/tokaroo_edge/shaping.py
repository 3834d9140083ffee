"""Pure shaping of what the client sees: our ids, the model value it asked, no upstream
fingerprints, usage with cost; aggregation of streamed chunks and replay of cached answers."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from tokaroo_common.money import format_usd

Json = dict[str, Any]

_HIDDEN = ("system_fingerprint", "provider", "service_tier")


def completion_id(request_id: str) -> str:
    return "chatcmpl-" + request_id.replace("-", "")


def shape_completion(body: Json, *, request_id: str, model: str, created: int) -> Json:
    out = {k: v for k, v in body.items() if k not in _HIDDEN}
    out["id"] = completion_id(request_id)
    out["object"] = "chat.completion"
    out["model"] = model
    out["created"] = created
    return out


def shape_chunk(chunk: Json, *, request_id: str, model: str, created: int) -> Json:
    out = {k: v for k, v in chunk.items() if k not in _HIDDEN and k != "usage"}
    out["id"] = completion_id(request_id)
    out["object"] = "chat.completion.chunk"
    out["model"] = model
    out["created"] = created
    return out


def usage_chunk(usage: Json, *, request_id: str, model: str, created: int) -> Json:
    return {
        "id": completion_id(request_id),
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [],
        "usage": usage,
    }


def usage_with_cost(prompt: int, completion: int, cached: int, cost_nano: int) -> Json:
    usage: Json = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "cost_usd": format_usd(cost_nano),
    }
    if cached:
        usage["prompt_tokens_details"] = {"cached_tokens": cached}
    return usage


def read_usage(usage: Any) -> tuple[int, int, int] | None:
    """(prompt, completion, cached) from an OpenAI usage object, or None when absent."""
    if not isinstance(usage, dict) or "prompt_tokens" not in usage:
        return None
    details = usage.get("prompt_tokens_details") or {}
    cached = int(details.get("cached_tokens") or 0) if isinstance(details, dict) else 0
    return (int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0), cached)


@dataclass
class StreamAggregate:
    """Builds the whole completion from streamed deltas (for counting and the cache)."""

    role: str = "assistant"
    content: list[str] = field(default_factory=list)
    tool_calls: dict[int, Json] = field(default_factory=dict)
    finish_reason: str | None = None
    usage: Json | None = None

    def add(self, chunk: Json) -> None:
        if isinstance(chunk.get("usage"), dict):
            self.usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                self.content.append(str(delta["content"]))
            for call in delta.get("tool_calls") or []:
                slot = self.tool_calls.setdefault(
                    int(call.get("index", 0)),
                    {"id": "", "type": "function", "function": {"name": "", "arguments": ""}},
                )
                if call.get("id"):
                    slot["id"] = call["id"]
                fn = call.get("function") or {}
                if fn.get("name"):
                    slot["function"]["name"] += fn["name"]
                if fn.get("arguments"):
                    slot["function"]["arguments"] += fn["arguments"]
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]

    def delivered_text(self) -> str:
        args = "".join(
            c["function"]["name"] + c["function"]["arguments"] for c in self.tool_calls.values()
        )
        return "".join(self.content) + args

    def to_completion(self) -> Json:
        message: Json = {"role": "assistant", "content": "".join(self.content) or None}
        if self.tool_calls:
            message["tool_calls"] = [self.tool_calls[i] for i in sorted(self.tool_calls)]
        return {
            "object": "chat.completion",
            "created": int(time.time()),
            "choices": [
                {"index": 0, "message": message, "finish_reason": self.finish_reason or "stop"}
            ],
            "usage": self.usage,
        }


REPLAY_PIECE_CHARS = 16  # about four tokens: a replayed answer streams like a live one


def pieces(text: str, size: int = REPLAY_PIECE_CHARS) -> list[str]:
    """`text` cut into pieces of about `size` characters, at spaces where there are some
    (each piece starts with its space, as tokens do). Joined, they give `text` back."""
    out: list[str] = []
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            cut = text.rfind(" ", start + 1, end + 1)
            end = cut if cut > start else end
        out.append(text[start:end])
        start = end
    return out


def _delta(delta: Json, finish_reason: str | None = None) -> Json:
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}


def replay_chunks(completion: Json) -> list[Json]:
    """A stored completion as the chunk sequence a live stream produces (no ids yet): the
    role, the content a few tokens at a time, each tool call's id and name and then its
    arguments in pieces, and the finish reason."""
    choice = (completion.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    chunks: list[Json] = [_delta({"role": "assistant", "content": ""})]
    chunks.extend(_delta({"content": p}) for p in pieces(str(message.get("content") or "")))
    for i, call in enumerate(message.get("tool_calls") or []):
        fn = call.get("function") or {}
        chunks.append(
            _delta(
                {
                    "tool_calls": [
                        {
                            "index": i,
                            "id": call.get("id"),
                            "type": call.get("type", "function"),
                            "function": {"name": fn.get("name", ""), "arguments": ""},
                        }
                    ]
                }
            )
        )
        chunks.extend(
            _delta({"tool_calls": [{"index": i, "function": {"arguments": p}}]})
            for p in pieces(str(fn.get("arguments") or ""))
        )
    chunks.append(_delta({}, choice.get("finish_reason", "stop")))
    return chunks


def is_usage_chunk(chunk: Json) -> bool:
    """The stream's final chunk: no choices, the usage (and cost)."""
    return not chunk.get("choices") and "usage" in chunk and "error" not in chunk
