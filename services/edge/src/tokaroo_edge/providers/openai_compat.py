"""Transport for OpenAI-compatible upstreams: one pooled HTTP client per provider."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from opentelemetry.trace import Tracer

from tokaroo_edge.providers.base import Json, Target, UpstreamFailure, classify_status
from tokaroo_edge.providers.openai_wire import error_message, to_chat_request, to_embedding_request
from tokaroo_edge.providers.transport import (
    DONE,
    Timeouts,
    UpstreamClient,
    sse_events,
    stream_errors,
)
from tokaroo_edge.schemas import ChatCompletionRequest, EmbeddingRequest

__all__ = ["OpenAICompatProvider", "Timeouts"]


def error_failure(body: Any, status: int) -> UpstreamFailure:
    return UpstreamFailure(
        "http", status=status, retryable=classify_status(status), detail=error_message(body)
    )


class OpenAICompatProvider:
    def __init__(
        self, base_url: str, api_key: str, timeouts: Timeouts, tracer: Tracer | None = None
    ) -> None:
        self._client = UpstreamClient(
            base_url, {"Authorization": f"Bearer {api_key}"}, timeouts, tracer
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def complete(self, req: ChatCompletionRequest, target: Target) -> Json:
        return await self._client.post_json(
            "/chat/completions",
            to_chat_request(req, target.upstream_model, stream=False),
            error_failure,
        )

    async def embed(self, req: EmbeddingRequest, target: Target) -> Json:
        return await self._client.post_json(
            "/embeddings", to_embedding_request(req, target.upstream_model), error_failure
        )

    async def stream(self, req: ChatCompletionRequest, target: Target) -> AsyncIterator[Json]:
        body = to_chat_request(req, target.upstream_model, stream=True)
        resp = await self._client.open_stream("/chat/completions", body, error_failure)
        try:
            with stream_errors():
                async for chunk in sse_events(resp):
                    if chunk is DONE:
                        return
                    if "error" in chunk:
                        raise UpstreamFailure(
                            "http", status=500, retryable=True, detail=error_message(chunk)
                        )
                    yield chunk
                raise UpstreamFailure(
                    "protocol", retryable=True, detail="stream ended without [DONE]"
                )
        finally:
            resp.release()
