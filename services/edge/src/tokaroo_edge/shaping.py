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
    return {"id": completion_id(request_id), "object": "chat.completion.chunk",
            "created": created, "model": model, "choices": [], "usage": usage}


def usage_with_cost(prompt: int, completion: int, cached: int, cost_nano: int) -> Json:
    usage: Json = {"prompt_tokens": prompt, "completion_tokens": completion,
                   "total_tokens": prompt + completion, "cost_usd": format_usd(cost_nano)}
    if cached:
        usage["prompt_tokens_details"] = {"cached_tokens": cached}
    return usage


def read_usage(usage: Any) -> tuple[int, int, int] | None:
    """(prompt, completion, cached) from an OpenAI usage object, or None when absent."""
    if not isinstance(usage, dict) or "prompt_tokens" not in usage:
        return None
    details = usage.get("prompt_tokens_details") or {}
    cached = int(details.get("cached_tokens") or 0) if isinstance(details, dict) else 0
    return (int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0),
            cached)


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
                slot = self.tool_calls.setdefault(int(call.get("index", 0)), {
                    "id": "", "type": "function", "function": {"name": "", "arguments": ""}})
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
        args = "".join(c["function"]["name"] + c["function"]["arguments"]
                       for c in self.tool_calls.values())
        return "".join(self.content) + args

    def to_completion(self) -> Json:
        message: Json = {"role": "assistant", "content": "".join(self.content) or None}
        if self.tool_calls:
            message["tool_calls"] = [self.tool_calls[i] for i in sorted(self.tool_calls)]
        return {"object": "chat.completion", "created": int(time.time()), "choices": [
            {"index": 0, "message": message, "finish_reason": self.finish_reason or "stop"}],
            "usage": self.usage}


def replay_chunks(completion: Json) -> list[Json]:
    """A stored completion as the chunk sequence a stream would have produced (no ids yet)."""
    choice = (completion.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    chunks: list[Json] = [{"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                        "finish_reason": None}]}]
    if message.get("content"):
        chunks.append({"choices": [{"index": 0, "delta": {"content": message["content"]},
                                    "finish_reason": None}]})
    for i, call in enumerate(message.get("tool_calls") or []):
        chunks.append({"choices": [{"index": 0, "delta": {"tool_calls": [
            {"index": i, **call}]}, "finish_reason": None}]})
    chunks.append({"choices": [{"index": 0, "delta": {},
                                "finish_reason": choice.get("finish_reason", "stop")}]})
    return chunks
