"""Token counting with a tiktoken-compatible BPE (o200k_base, bundled: works offline)."""

from __future__ import annotations

from typing import Any, Protocol

import quicktok

from tokaroo_edge.schemas import ChatCompletionRequest

PER_MESSAGE_OVERHEAD = 3
PER_IMAGE_TOKENS = 765


class Encoder(Protocol):
    def encode(self, text: str) -> list[int]: ...


def load_encoder() -> Encoder:
    enc: Encoder = quicktok.get_encoding("o200k_base")
    return enc


def conversation_text(req: ChatCompletionRequest) -> str:
    """All text of the conversation (for token counting, classification and the cache)."""
    parts: list[str] = []
    for m in req.messages:
        parts.append(m.role)
        parts.extend(_content_texts(m.content))
        for call in m.tool_calls or []:
            fn = call.get("function") or {}
            parts.append(str(fn.get("name", "")))
            parts.append(str(fn.get("arguments", "")))
    return "\n".join(parts)


def _content_texts(content: str | list[dict[str, Any]] | None) -> list[str]:
    if content is None:
        return []
    if isinstance(content, str):
        return [content]
    return [str(p.get("text", "")) for p in content if p.get("type") == "text"]


def count_images(req: ChatCompletionRequest) -> int:
    n = 0
    for m in req.messages:
        if isinstance(m.content, list):
            n += sum(1 for p in m.content if p.get("type") in ("image_url", "input_image"))
    return n


def count_prompt_tokens(enc: Encoder, req: ChatCompletionRequest, text: str,
                        images: int) -> int:
    """Prompt tokens of `req`, given its `conversation_text` and `count_images` (which the
    caller needs anyway, so they are computed once)."""
    text_tokens = len(enc.encode(text))
    tool_tokens = len(enc.encode(repr(req.tools))) if req.tools else 0
    return (text_tokens + tool_tokens + PER_MESSAGE_OVERHEAD * len(req.messages)
            + PER_IMAGE_TOKENS * images)


def count_text_tokens(enc: Encoder, text: str) -> int:
    return len(enc.encode(text)) if text else 0
