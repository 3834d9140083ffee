"""Server-sent events: the pipeline's chunks as each dialect's wire format."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson

from tokaroo_edge.shaping import is_usage_chunk

Json = dict[str, Any]
DONE = b"data: [DONE]\n\n"


def data_line(obj: Json) -> bytes:
    return b"data: " + orjson.dumps(obj) + b"\n\n"


def event(name: str, obj: Json) -> bytes:
    """A named event (`event:` line, then the data), as Anthropic and the Responses API
    stream them."""
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(obj) + b"\n\n"


async def chat_completions_sse(
    chunks: AsyncIterator[Json], include_usage: bool
) -> AsyncIterator[bytes]:
    """OpenAI chat-completion chunks, the usage chunk only when the client asked for it
    (`stream_options.include_usage`), and `[DONE]` unless the stream broke."""
    async for chunk in chunks:
        if "error" in chunk:
            yield data_line(chunk)
            return
        if is_usage_chunk(chunk) and not include_usage:
            continue
        yield data_line(chunk)
    yield DONE
