"""The pipeline's answers as Anthropic Messages: a chat.completion as a Messages response,
and the stream of chat-completion chunks as Anthropic's event sequence (`message_start`,
`ping`, per content block `content_block_start` / `content_block_delta` (text_delta,
input_json_delta) / `content_block_stop`, `message_delta` with the stop reason and the usage
and cost, `message_stop`; an `error` event if the upstream broke mid-way). Pure, but for the
async generator that feeds the pure translator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from tokaroo_edge.shaping import is_usage_chunk
from tokaroo_edge.sse import event

Json = dict[str, Any]

STOP_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "refusal",
}


def message_id(request_id: str) -> str:
    return "msg_" + request_id.replace("-", "")


def parse_arguments(arguments: Any) -> Json:
    """A tool call's JSON-string arguments as the `input` object."""
    try:
        value = orjson.loads(arguments) if arguments else {}
    except (orjson.JSONDecodeError, TypeError):
        return {"arguments": arguments}
    return value if isinstance(value, dict) else {"value": value}


def stop_reason(finish: Any, matched: Any, stops: list[str]) -> tuple[str, str | None]:
    """Anthropic's stop_reason and stop_sequence from a finish reason (and the matched stop
    string, for upstreams that report it as `stop_reason`, as vLLM does)."""
    if finish == "stop" and isinstance(matched, str) and matched in stops:
        return "stop_sequence", matched
    return STOP_REASONS.get(str(finish), "end_turn"), None


def usage(chat_usage: Any) -> Json:
    u = chat_usage if isinstance(chat_usage, dict) else {}
    details = u.get("prompt_tokens_details")
    cached = int((details or {}).get("cached_tokens") or 0) if isinstance(details, dict) else 0
    out: Json = {
        "input_tokens": max(int(u.get("prompt_tokens") or 0) - cached, 0),
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": cached,
        "output_tokens": int(u.get("completion_tokens") or 0),
    }
    if "cost_usd" in u:
        out["cost_usd"] = u["cost_usd"]
    return out


def to_message(
    completion: Json, *, request_id: str, model: str, stops: list[str] | None = None
) -> Json:
    """A chat.completion (already shaped by the pipeline) as a Messages response."""
    choice = (completion.get("choices") or [{}])[0]
    msg = choice.get("message") or {}
    content: list[Json] = []
    if msg.get("content"):
        content.append({"type": "text", "text": str(msg["content"])})
    for call in msg.get("tool_calls") or []:
        fn = call.get("function") or {}
        content.append(
            {
                "type": "tool_use",
                "id": str(call.get("id") or ""),
                "name": str(fn.get("name") or ""),
                "input": parse_arguments(fn.get("arguments")),
            }
        )
    reason, sequence = stop_reason(
        choice.get("finish_reason"), choice.get("stop_reason"), stops or []
    )
    if reason == "end_turn" and msg.get("tool_calls"):
        reason = "tool_use"
    return {
        "id": message_id(request_id),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": reason,
        "stop_sequence": sequence,
        "usage": usage(completion.get("usage")),
    }


@dataclass
class MessageStream:
    """Chat-completion chunks in, Anthropic SSE events out, one chunk at a time."""

    message_id: str
    model: str
    input_tokens: int  # the estimate for message_start; message_delta has the real count
    stops: list[str] = field(default_factory=list)
    _blocks: int = 0  # content blocks started so far
    _open: int | None = None  # the index of the block not yet stopped
    _text_block: int | None = None  # the open text block
    _tool_blocks: dict[int, int] = field(default_factory=dict)  # tool-call index -> block
    _finish: Any = None
    _matched: Any = None

    def start(self) -> list[bytes]:
        message: Json = {
            "id": self.message_id,
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": self.input_tokens, "output_tokens": 0},
        }
        return [
            event("message_start", {"type": "message_start", "message": message}),
            event("ping", {"type": "ping"}),
        ]

    def feed(self, chunk: Json) -> list[bytes]:
        if "error" in chunk:
            err = chunk["error"] if isinstance(chunk["error"], dict) else {}
            return [
                *self._close(),
                event(
                    "error",
                    {
                        "type": "error",
                        "error": {
                            "type": "api_error",
                            "message": str(err.get("message") or "Stream error"),
                        },
                    },
                ),
            ]
        if is_usage_chunk(chunk):
            return self._finish_message(chunk.get("usage"))
        out: list[bytes] = []
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                out += self._text(str(delta["content"]))
            for call in delta.get("tool_calls") or []:
                out += self._tool(call)
            if choice.get("finish_reason"):
                self._finish = choice["finish_reason"]
                self._matched = choice.get("stop_reason")
        return out

    def _begin(self, block: Json) -> list[bytes]:
        out = self._close()
        self._open = index = self._blocks
        self._blocks += 1
        return [
            *out,
            event(
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": block},
            ),
        ]

    def _close(self) -> list[bytes]:
        if self._open is None:
            return []
        index, self._open, self._text_block = self._open, None, None
        return [event("content_block_stop", {"type": "content_block_stop", "index": index})]

    def _delta(self, index: int, delta: Json) -> bytes:
        return event(
            "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}
        )

    def _text(self, text: str) -> list[bytes]:
        out: list[bytes] = []
        if self._text_block is None:
            out = self._begin({"type": "text", "text": ""})
            self._text_block = self._open
        assert self._text_block is not None
        return [*out, self._delta(self._text_block, {"type": "text_delta", "text": text})]

    def _tool(self, call: Json) -> list[bytes]:
        slot = int(call.get("index") or 0)
        fn = call.get("function") or {}
        out: list[bytes] = []
        if slot not in self._tool_blocks:
            out = self._begin(
                {
                    "type": "tool_use",
                    "id": str(call.get("id") or ""),
                    "name": str(fn.get("name") or ""),
                    "input": {},
                }
            )
            assert self._open is not None
            self._tool_blocks[slot] = self._open
        if fn.get("arguments"):
            out.append(
                self._delta(
                    self._tool_blocks[slot],
                    {"type": "input_json_delta", "partial_json": str(fn["arguments"])},
                )
            )
        return out

    def _finish_message(self, chat_usage: Any) -> list[bytes]:
        reason, sequence = stop_reason(self._finish or "stop", self._matched, self.stops)
        if self._tool_blocks and reason == "end_turn":
            reason = "tool_use"
        return [
            *self._close(),
            event(
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": reason, "stop_sequence": sequence},
                    "usage": usage(chat_usage),
                },
            ),
            event("message_stop", {"type": "message_stop"}),
        ]


async def messages_sse(chunks: AsyncIterator[Json], stream: MessageStream) -> AsyncIterator[bytes]:
    for frame in stream.start():
        yield frame
    async for chunk in chunks:
        for frame in stream.feed(chunk):
            yield frame
        if "error" in chunk:
            return
