"""Transport for Anthropic's Messages API: one pooled HTTP client, SSE streaming."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from opentelemetry.trace import Tracer

from tokaroo_edge.providers.anthropic_cache import with_breakpoints
from tokaroo_edge.providers.anthropic_wire import (
    AnthropicStreamTranslator,
    error_failure,
    from_messages_response,
    json_mode,
    to_messages_request,
)
from tokaroo_edge.providers.base import Json, Target, UpstreamFailure
from tokaroo_edge.providers.transport import (
    Timeouts,
    UpstreamClient,
    sse_events,
    stream_errors,
)
from tokaroo_edge.schemas import ChatCompletionRequest, EmbeddingRequest

ANTHROPIC_VERSION = "2023-06-01"
_PATH = "/v1/messages"


class AnthropicProvider:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        timeouts: Timeouts,
        tracer: Tracer | None = None,
        *,
        prompt_caching: bool = True,
    ) -> None:
        """`prompt_caching`: place cache breakpoints when the client marked none."""
        self._caching = prompt_caching
        self._client = UpstreamClient(
            base_url,
            {"x-api-key": api_key, "anthropic-version": ANTHROPIC_VERSION},
            timeouts,
            tracer,
        )

    def _request(self, req: ChatCompletionRequest, target: Target, *, stream: bool) -> Json:
        body = to_messages_request(req, target.upstream_model, stream=stream)
        return with_breakpoints(body) if self._caching else body

    async def aclose(self) -> None:
        await self._client.aclose()

    async def complete(self, req: ChatCompletionRequest, target: Target) -> Json:
        body = self._request(req, target, stream=False)
        answer = await self._client.post_json(_PATH, body, error_failure)
        return from_messages_response(answer, json_mode=json_mode(req), created=int(time.time()))

    async def embed(self, req: EmbeddingRequest, target: Target) -> Json:
        raise UpstreamFailure("http", status=400, retryable=True, detail="no embeddings")

    async def stream(self, req: ChatCompletionRequest, target: Target) -> AsyncIterator[Json]:
        body = self._request(req, target, stream=True)
        resp = await self._client.open_stream(_PATH, body, error_failure)
        translator = AnthropicStreamTranslator(json_mode=json_mode(req), created=int(time.time()))
        try:
            with stream_errors():
                async for event in sse_events(resp):  # each event's JSON carries its "type"
                    if event is None:
                        continue
                    for chunk in translator.feed(event):
                        yield chunk
                    if translator.done:
                        return
                raise UpstreamFailure(
                    "protocol", retryable=True, detail="stream ended without message_stop"
                )
        finally:
            resp.release()
