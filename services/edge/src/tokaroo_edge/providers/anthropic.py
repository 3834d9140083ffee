"""Transport for Anthropic's Messages API: one pooled httpx client, SSE streaming."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import orjson

from tokaroo_edge.providers.anthropic_wire import (
    AnthropicStreamTranslator,
    error_failure,
    from_messages_response,
    json_mode,
    to_messages_request,
)
from tokaroo_edge.providers.base import Json, Target, UpstreamFailure
from tokaroo_edge.providers.openai_compat import Timeouts
from tokaroo_edge.providers.openai_wire import parse_sse_line
from tokaroo_edge.schemas import ChatCompletionRequest, EmbeddingRequest

ANTHROPIC_VERSION = "2023-06-01"
_PATH = "/v1/messages"


class AnthropicProvider:
    def __init__(self, base_url: str, api_key: str, timeouts: Timeouts,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), transport=transport,
            headers={"x-api-key": api_key, "anthropic-version": ANTHROPIC_VERSION,
                     "content-type": "application/json"},
            timeout=httpx.Timeout(timeouts.first_token_s, connect=timeouts.connect_s),
            limits=httpx.Limits(max_connections=512, max_keepalive_connections=128))

    async def aclose(self) -> None:
        await self._client.aclose()

    async def complete(self, req: ChatCompletionRequest, target: Target) -> Json:
        body = to_messages_request(req, target.upstream_model, stream=False)
        try:
            resp = await self._client.post(_PATH, content=orjson.dumps(body))
        except httpx.TimeoutException as exc:
            raise UpstreamFailure("timeout", retryable=True, detail=repr(exc)) from exc
        except httpx.TransportError as exc:
            raise UpstreamFailure("connect", retryable=True, detail=repr(exc)) from exc
        return from_messages_response(_json_or_fail(resp.status_code, resp.content),
                                      json_mode=json_mode(req), created=int(time.time()))

    async def embed(self, req: EmbeddingRequest, target: Target) -> Json:
        raise UpstreamFailure("http", status=400, retryable=True, detail="no embeddings")

    async def stream(self, req: ChatCompletionRequest, target: Target) -> AsyncIterator[Json]:
        body = to_messages_request(req, target.upstream_model, stream=True)
        request = self._client.build_request("POST", _PATH, content=orjson.dumps(body),
                                             headers={"accept": "text/event-stream"})
        try:
            resp = await self._client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise UpstreamFailure("timeout", retryable=True, detail=repr(exc)) from exc
        except httpx.TransportError as exc:
            raise UpstreamFailure("connect", retryable=True, detail=repr(exc)) from exc
        translator = AnthropicStreamTranslator(json_mode=json_mode(req),
                                               created=int(time.time()))
        try:
            if resp.status_code >= 400:
                _json_or_fail(resp.status_code, await resp.aread())
            async for line in resp.aiter_lines():
                data = parse_sse_line(line)  # each event's JSON carries its own "type"
                if not data:
                    continue
                event = orjson.loads(data)
                if not isinstance(event, dict):
                    raise UpstreamFailure("protocol", retryable=True, detail="not an object")
                for chunk in translator.feed(event):
                    yield chunk
                if translator.done:
                    return
            raise UpstreamFailure("protocol", retryable=True,
                                  detail="stream ended without message_stop")
        except httpx.TimeoutException as exc:
            raise UpstreamFailure("timeout", retryable=True, detail=repr(exc)) from exc
        except httpx.TransportError as exc:
            raise UpstreamFailure("protocol", retryable=True, detail=repr(exc)) from exc
        except orjson.JSONDecodeError as exc:
            raise UpstreamFailure("protocol", retryable=True, detail="bad event") from exc
        finally:
            await resp.aclose()


def _json_or_fail(status: int, content: bytes) -> Json:
    try:
        body = orjson.loads(content) if content else {}
    except orjson.JSONDecodeError:
        body = {}
    if status >= 400:
        raise error_failure(body, status)
    if not isinstance(body, dict):
        raise UpstreamFailure("protocol", status=status, retryable=True, detail="not an object")
    return body
