"""Token counting with a tiktoken-compatible BPE (o200k_base, bundled: works offline)."""

from __future__ import annotations

from typing import Any, Protocol

import orjson
import quicktok
from tokaroo_common.turns import media_count, turn_text
from tokaroo_proto.conversation.v1 import conversation_pb2 as cpb

PER_MESSAGE_OVERHEAD = 3
PER_IMAGE_TOKENS = 765


class Encoder(Protocol):
    def encode(self, text: str) -> list[int]: ...


def load_encoder() -> Encoder:
    enc: Encoder = quicktok.get_encoding("o200k_base")
    return enc


def count_prompt_tokens(
    enc: Encoder, conv: cpb.Conversation, tools: list[dict[str, Any]] | None
) -> int:
    """Prompt tokens of a conversation and its tool definitions: the text of every turn
    (one encoder call), a per-message overhead and a flat count per image."""
    text = "\n".join(turn_text(t) for t in conv.turns)
    text_tokens = len(enc.encode(text)) if text else 0
    tool_tokens = len(enc.encode(orjson.dumps(tools).decode())) if tools else 0
    return (
        text_tokens
        + tool_tokens
        + PER_MESSAGE_OVERHEAD * len(conv.turns)
        + PER_IMAGE_TOKENS * media_count(conv, "image")
    )


def count_text_tokens(enc: Encoder, text: str) -> int:
    return len(enc.encode(text)) if text else 0
