"""What every provider adapter offers the edge, and how upstream failures are described."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

from tokaroo_edge.schemas import ChatCompletionRequest, EmbeddingRequest

Json = dict[str, Any]

# Where an adapter's OpenAI-shaped usage keeps the prompt tokens written to the provider's
# prompt cache (billed at the cache-write price); internal, never shown to clients.
CACHE_WRITE_FIELD = "cache_write_tokens"


def cache_write_tokens(usage: Any) -> int:
    """Prompt tokens an upstream wrote to its prompt cache, from an adapter's usage. Pure."""
    details = usage.get("prompt_tokens_details") if isinstance(usage, dict) else None
    return int(details.get(CACHE_WRITE_FIELD) or 0) if isinstance(details, dict) else 0


class UpstreamFailure(Exception):
    """An attempt failed. `retryable` failures (connect errors, timeouts, 429, 5xx) move on to
    the next candidate; others (a 4xx about the request) are returned to the client."""

    def __init__(self, kind: str, *, status: int = 0, retryable: bool, detail: str = "") -> None:
        super().__init__(f"{kind} {status}")
        self.kind = kind  # connect | timeout | http | protocol
        self.status = status
        self.retryable = retryable
        self.detail = detail


def classify_status(status: int) -> bool:
    """True when an upstream HTTP status is worth trying elsewhere."""
    return status in (408, 409, 429) or status >= 500


@dataclass(frozen=True)
class Target:
    provider: str
    upstream_model: str


class ChatProvider(Protocol):
    async def complete(self, req: ChatCompletionRequest, target: Target) -> Json:
        """A whole `chat.completion` object in OpenAI's shape."""
        ...

    def stream(self, req: ChatCompletionRequest, target: Target) -> AsyncIterator[Json]:
        """`chat.completion.chunk` objects in OpenAI's shape (usage in the last one)."""
        ...

    async def embed(self, req: EmbeddingRequest, target: Target) -> Json:
        """An OpenAI `list` of embeddings (float vectors) with usage."""
        ...

    async def aclose(self) -> None: ...
