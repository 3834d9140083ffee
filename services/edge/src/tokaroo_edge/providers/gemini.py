"""Transport for the Gemini API (generativelanguage v1beta): one pooled httpx client."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import orjson

from tokaroo_edge.providers.base import Json, Target, UpstreamFailure
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
from tokaroo_edge.providers.openai_compat import Timeouts
from tokaroo_edge.providers.openai_wire import parse_sse_line
from tokaroo_edge.schemas import ChatCompletionRequest, EmbeddingRequest


class GeminiProvider:
    def __init__(self, base_url: str, api_key: str, timeouts: Timeouts,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), transport=transport,
            headers={"x-goog-api-key": api_key, "content-type": "application/json"},
            timeout=httpx.Timeout(timeouts.first_token_s, connect=timeouts.connect_s),
            limits=httpx.Limits(max_connections=512, max_keepalive_connections=128))

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _post(self, path: str, body: Json) -> Json:
        try:
            resp = await self._client.post(path, content=orjson.dumps(body))
        except httpx.TimeoutException as exc:
            raise UpstreamFailure("timeout", retryable=True, detail=repr(exc)) from exc
        except httpx.TransportError as exc:
            raise UpstreamFailure("connect", retryable=True, detail=repr(exc)) from exc
        return _json_or_fail(resp.status_code, resp.content)

    async def complete(self, req: ChatCompletionRequest, target: Target) -> Json:
        body = await self._post(f"/{model_path(target.upstream_model)}:generateContent",
                                to_generate_request(req))
        return from_generate_response(body, model=target.upstream_model,
                                      created=int(time.time()))

    async def embed(self, req: EmbeddingRequest, target: Target) -> Json:
        texts = embedding_texts(req)
        body = await self._post(f"/{model_path(target.upstream_model)}:batchEmbedContents",
                                to_embed_request(req, target.upstream_model))
        return from_embed_response(body, texts, model=target.upstream_model)

    async def stream(self, req: ChatCompletionRequest, target: Target) -> AsyncIterator[Json]:
        request = self._client.build_request(
            "POST", f"/{model_path(target.upstream_model)}:streamGenerateContent",
            params={"alt": "sse"}, content=orjson.dumps(to_generate_request(req)),
            headers={"accept": "text/event-stream"})
        try:
            resp = await self._client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise UpstreamFailure("timeout", retryable=True, detail=repr(exc)) from exc
        except httpx.TransportError as exc:
            raise UpstreamFailure("connect", retryable=True, detail=repr(exc)) from exc
        translator = GeminiStreamTranslator(model=target.upstream_model,
                                            created=int(time.time()))
        try:
            if resp.status_code >= 400:
                _json_or_fail(resp.status_code, await resp.aread())
            async for line in resp.aiter_lines():
                data = parse_sse_line(line)
                if not data:
                    continue
                event = orjson.loads(data)
                if not isinstance(event, dict):
                    raise UpstreamFailure("protocol", retryable=True, detail="not an object")
                for chunk in translator.feed(event):
                    yield chunk
            for chunk in translator.close():  # raises when no finishReason came
                yield chunk
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
