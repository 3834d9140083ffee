"""Transport for the Gemini API (generativelanguage v1beta): one pooled httpx client."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import orjson

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
    new_client,
    open_stream,
    post_json,
    sse_events,
    stream_errors,
)
from tokaroo_edge.schemas import ChatCompletionRequest, EmbeddingRequest


class GeminiProvider:
    def __init__(self, base_url: str, api_key: str, timeouts: Timeouts,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._client = new_client(base_url, {"x-goog-api-key": api_key}, timeouts, transport)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def complete(self, req: ChatCompletionRequest, target: Target) -> Json:
        body = await post_json(self._client,
                               f"/{model_path(target.upstream_model)}:generateContent",
                               to_generate_request(req), error_failure)
        return from_generate_response(body, model=target.upstream_model,
                                      created=int(time.time()))

    async def embed(self, req: EmbeddingRequest, target: Target) -> Json:
        texts = embedding_texts(req)
        body = await post_json(self._client,
                               f"/{model_path(target.upstream_model)}:batchEmbedContents",
                               to_embed_request(req, target.upstream_model), error_failure)
        return from_embed_response(body, texts, model=target.upstream_model)

    async def stream(self, req: ChatCompletionRequest, target: Target) -> AsyncIterator[Json]:
        request = self._client.build_request(
            "POST", f"/{model_path(target.upstream_model)}:streamGenerateContent",
            params={"alt": "sse"}, content=orjson.dumps(to_generate_request(req)),
            headers={"content-type": "application/json", "accept": "text/event-stream"})
        resp = await open_stream(self._client, request, error_failure)
        translator = GeminiStreamTranslator(model=target.upstream_model,
                                            created=int(time.time()))
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
            await resp.aclose()
