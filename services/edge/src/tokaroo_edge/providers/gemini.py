"""Transport for the Gemini API (generativelanguage v1beta): one pooled HTTP client."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from opentelemetry.trace import Tracer

from tokaroo_edge.providers.base import Json, Target
from tokaroo_edge.providers.gemini_wire import (
    GeminiStreamTranslator,
    embedding_texts,
    error_failure,
    from_embed_response,
    from_generate_response,
    model_path,
    to_embed_request,
    to_generate_request,
)
from tokaroo_edge.providers.transport import (
    Timeouts,
    UpstreamClient,
    sse_events,
    stream_errors,
)
from tokaroo_edge.schemas import ChatCompletionRequest, EmbeddingRequest


class GeminiProvider:
    def __init__(
        self, base_url: str, api_key: str, timeouts: Timeouts, tracer: Tracer | None = None
    ) -> None:
        self._client = UpstreamClient(base_url, {"x-goog-api-key": api_key}, timeouts, tracer)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def complete(self, req: ChatCompletionRequest, target: Target) -> Json:
        body = await self._client.post_json(
            f"/{model_path(target.upstream_model)}:generateContent",
            to_generate_request(req),
            error_failure,
        )
        return from_generate_response(body, model=target.upstream_model, created=int(time.time()))

    async def embed(self, req: EmbeddingRequest, target: Target) -> Json:
        texts = embedding_texts(req)
        body = await self._client.post_json(
            f"/{model_path(target.upstream_model)}:batchEmbedContents",
            to_embed_request(req, target.upstream_model),
            error_failure,
        )
        return from_embed_response(body, texts, model=target.upstream_model)

    async def stream(self, req: ChatCompletionRequest, target: Target) -> AsyncIterator[Json]:
        resp = await self._client.open_stream(
            f"/{model_path(target.upstream_model)}:streamGenerateContent?alt=sse",
            to_generate_request(req),
            error_failure,
        )
        translator = GeminiStreamTranslator(model=target.upstream_model, created=int(time.time()))
        try:
            with stream_errors():
                async for event in sse_events(resp):
                    if event is None:
                        continue
                    for chunk in translator.feed(event):
                        yield chunk
                for chunk in translator.close():  # raises when no finishReason came
                    yield chunk
        finally:
            resp.release()
