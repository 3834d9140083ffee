"""Transport for OpenAI-compatible upstreams: one pooled httpx client per provider."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import orjson

from tokaroo_edge.providers.base import Json, Target, UpstreamFailure, classify_status
from tokaroo_edge.providers.openai_wire import (
    error_message,
    parse_sse_line,
    to_chat_request,
    to_embedding_request,
)
from tokaroo_edge.schemas import ChatCompletionRequest, EmbeddingRequest


@dataclass(frozen=True)
class Timeouts:
    connect_s: float
    first_token_s: float
    total_s: float


class OpenAICompatProvider:
    def __init__(self, base_url: str, api_key: str, timeouts: Timeouts,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._timeouts = timeouts
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), transport=transport,
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=httpx.Timeout(timeouts.first_token_s, connect=timeouts.connect_s),
            limits=httpx.Limits(max_connections=512, max_keepalive_connections=128))

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _post(self, path: str, body: Json) -> Json:
        try:
            resp = await self._client.post(path, content=orjson.dumps(body),
                                           headers={"content-type": "application/json"})
        except httpx.TimeoutException as exc:
            raise UpstreamFailure("timeout", retryable=True, detail=repr(exc)) from exc
        except httpx.TransportError as exc:
            raise UpstreamFailure("connect", retryable=True, detail=repr(exc)) from exc
        return _json_or_fail(resp.status_code, resp.content)

    async def complete(self, req: ChatCompletionRequest, target: Target) -> Json:
        return await self._post("/chat/completions",
                                to_chat_request(req, target.upstream_model, stream=False))

    async def embed(self, req: EmbeddingRequest, target: Target) -> Json:
        return await self._post("/embeddings", to_embedding_request(req, target.upstream_model))

    async def stream(self, req: ChatCompletionRequest, target: Target) -> AsyncIterator[Json]:
        body = to_chat_request(req, target.upstream_model, stream=True)
        request = self._client.build_request(
            "POST", "/chat/completions", content=orjson.dumps(body),
            headers={"content-type": "application/json", "accept": "text/event-stream"})
        try:
            resp = await self._client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise UpstreamFailure("timeout", retryable=True, detail=repr(exc)) from exc
        except httpx.TransportError as exc:
            raise UpstreamFailure("connect", retryable=True, detail=repr(exc)) from exc
        try:
            if resp.status_code >= 400:
                _json_or_fail(resp.status_code, await resp.aread())
            async for line in resp.aiter_lines():
                data = parse_sse_line(line)
                if data is None or not data:
                    continue
                if data == "[DONE]":
                    return
                chunk = orjson.loads(data)
                if isinstance(chunk, dict) and "error" in chunk:
                    raise UpstreamFailure("http", status=500, retryable=True,
                                          detail=error_message(chunk))
                yield chunk
            raise UpstreamFailure("protocol", retryable=True, detail="stream ended without [DONE]")
        except httpx.TimeoutException as exc:
            raise UpstreamFailure("timeout", retryable=True, detail=repr(exc)) from exc
        except httpx.TransportError as exc:
            raise UpstreamFailure("protocol", retryable=True, detail=repr(exc)) from exc
        except orjson.JSONDecodeError as exc:
            raise UpstreamFailure("protocol", retryable=True, detail="bad chunk") from exc
        finally:
            await resp.aclose()


def _json_or_fail(status: int, content: bytes) -> Json:
    try:
        body = orjson.loads(content) if content else {}
    except orjson.JSONDecodeError:
        body = {}
    if status >= 400:
        raise UpstreamFailure("http", status=status, retryable=classify_status(status),
                              detail=error_message(body))
    if not isinstance(body, dict):
        raise UpstreamFailure("protocol", status=status, retryable=True, detail="not an object")
    return body
