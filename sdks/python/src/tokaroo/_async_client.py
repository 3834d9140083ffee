"""The asynchronous client: `AsyncTokaroo(api_key=..., base_url=...)`, the same surface awaited."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Mapping
from types import TracebackType
from typing import Any, Literal, TypeVar, overload

import httpx

from tokaroo import _base
from tokaroo._client import _pop_options
from tokaroo._errors import APIConnectionError, APITimeoutError
from tokaroo._keys import AsyncKeys, AsyncUsage
from tokaroo._messages import AsyncMessages
from tokaroo._responses import AsyncResponses
from tokaroo.types import (
    Balance,
    ChatCompletion,
    ChatCompletionChunk,
    CompletionUsage,
    CreateEmbeddingResponse,
    ResponseMeta,
    TokarooModel,
    to_decimal,
)

M = TypeVar("M", bound=TokarooModel)


class AsyncChatCompletionStream:
    """A streamed chat completion: `async for chunk in client.chat.completions.stream(...)`
    (once). The request starts on the first iteration, or when the stream is awaited
    (`stream = await client.chat.completions.stream(...)` raises HTTP errors right there).
    `stream._tokaroo` has the response metadata once the response arrived (`cost` from the
    final usage chunk), `stream.usage` the final usage."""

    def __init__(self, opener: Callable[[], Awaitable[httpx.Response]]) -> None:
        self._opener = opener
        self._response: httpx.Response | None = None
        self._tokaroo: ResponseMeta | None = None
        self.usage: CompletionUsage | None = None
        self._iterator = self._iterate()

    @property
    def response(self) -> httpx.Response | None:
        return self._response

    async def _open(self) -> httpx.Response:
        if self._response is None:
            self._response = await self._opener()
            self._tokaroo = ResponseMeta.from_response(self._response)
        return self._response

    def __await__(self) -> Generator[Any, None, AsyncChatCompletionStream]:
        async def opened() -> AsyncChatCompletionStream:
            await self._open()
            return self

        return opened().__await__()

    async def _iterate(self) -> AsyncIterator[ChatCompletionChunk]:
        response = await self._open()
        meta = self._tokaroo
        try:
            async for data in _base.asse_data(response.aiter_lines()):
                obj = _base.decode_event(data, response)
                if obj is None:
                    break
                chunk = ChatCompletionChunk.model_validate(obj)
                if meta is not None:
                    chunk._tokaroo = meta
                if chunk.usage is not None:
                    self.usage = chunk.usage
                    if chunk.usage.cost_usd is not None and meta is not None:
                        meta.cost = to_decimal(chunk.usage.cost_usd)
                yield chunk
        except httpx.TransportError as exc:
            raise APIConnectionError(f"The response stream broke: {exc!r}") from exc
        finally:
            await response.aclose()

    def __aiter__(self) -> AsyncIterator[ChatCompletionChunk]:
        return self._iterator

    async def __anext__(self) -> ChatCompletionChunk:
        return await self._iterator.__anext__()

    async def close(self) -> None:
        if self._response is not None:
            await self._response.aclose()

    async def __aenter__(self) -> AsyncChatCompletionStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def final_text(self) -> str:
        return "".join([(c.choices[0].delta.content or "") async for c in self if c.choices])


class AsyncTokaroo:
    """The async Tokaroo client (see `Tokaroo`): every method is awaited."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        max_retries: int = _base.DEFAULT_MAX_RETRIES,
        timeout: float | httpx.Timeout = _base.DEFAULT_TIMEOUT,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.api_key = _base.resolve_api_key(api_key)
        self.base_url = _base.resolve_base_url(base_url)
        self.max_retries = max_retries
        self.timeout = timeout
        self._default_headers = dict(default_headers or {})
        self._owns_client = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=timeout)
        self.chat = AsyncChat(self)
        self.embeddings = AsyncEmbeddings(self)
        self.balance = AsyncBalance(self)
        self.usage = AsyncUsage(self)
        self.keys = AsyncKeys(self)
        self.responses = AsyncResponses(self)
        self.messages = AsyncMessages(self)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        stream: bool = False,
        headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
        timeout: float | httpx.Timeout | None = None,
    ) -> httpx.Response:
        request = self._http.build_request(
            method.upper(),
            _base.build_url(self.base_url, path),
            params={k: v for k, v in (params or {}).items() if v is not None} or None,
            json=body if body is not None and method.upper() != "GET" else None,
            headers=_base.headers_for(self.api_key, self._default_headers, headers, stream=stream),
            timeout=timeout if timeout is not None else self.timeout,
        )
        retries = self.max_retries if max_retries is None else max_retries
        attempt = 0
        while True:
            try:
                response = await self._http.send(request, stream=stream)
            except httpx.TimeoutException as exc:
                if attempt < retries:
                    await asyncio.sleep(_base.retry_delay(attempt, None))
                    attempt += 1
                    continue
                raise APITimeoutError("Request timed out.") from exc
            except httpx.TransportError as exc:
                if attempt < retries:
                    await asyncio.sleep(_base.retry_delay(attempt, None))
                    attempt += 1
                    continue
                raise APIConnectionError(f"Connection error: {exc!r}") from exc
            if response.is_success:
                return response
            await response.aread()
            await response.aclose()
            if attempt < retries and _base.should_retry(response):
                await asyncio.sleep(_base.retry_delay(attempt, response.headers))
                attempt += 1
                continue
            raise _base.error_from_response(response)

    async def _model(self, cls: type[M], method: str, path: str, **kwargs: Any) -> M:
        response = await self._send(method, path, **kwargs)
        obj = cls.model_validate(response.json())
        obj._tokaroo = ResponseMeta.from_response(response)
        return obj

    async def _fetch(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        """A raw call: `(await client._fetch("GET", "/v1/models"))["data"]`."""
        return _base.parse_body(await self._send(method, path, body=body, **kwargs))

    async def close(self) -> None:
        if self._owns_client:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncTokaroo:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


class _AsyncResource:
    def __init__(self, client: AsyncTokaroo) -> None:
        self._client = client


class AsyncCompletions(_AsyncResource):
    @overload
    async def create(
        self,
        *,
        model: str,
        messages: list[dict[str, Any]] | list[Any],
        stream: Literal[True],
        **params: Any,
    ) -> AsyncChatCompletionStream: ...

    @overload
    async def create(
        self,
        *,
        model: str,
        messages: list[dict[str, Any]] | list[Any],
        stream: Literal[False] = False,
        **params: Any,
    ) -> ChatCompletion: ...

    async def create(
        self,
        *,
        model: str,
        messages: list[dict[str, Any]] | list[Any],
        stream: bool = False,
        **params: Any,
    ) -> ChatCompletion | AsyncChatCompletionStream:
        if stream:
            return await self.stream(model=model, messages=messages, **params)
        opts = _pop_options(params)
        body = _base.chat_body({"model": model, "messages": messages, **params}, stream=False)
        return await self._client._model(
            ChatCompletion, "POST", "/chat/completions", body=body, **opts
        )

    def stream(
        self, *, model: str, messages: list[dict[str, Any]] | list[Any], **params: Any
    ) -> AsyncChatCompletionStream:
        """`async for chunk in client.chat.completions.stream(...)`; usage is asked for unless
        you pass `stream_options` (the last chunk: empty `choices`, usage with `cost_usd`)."""
        opts = _pop_options(params)
        body = _base.chat_body({"model": model, "messages": messages, **params}, stream=True)

        def opener() -> Awaitable[httpx.Response]:
            return self._client._send("POST", "/chat/completions", body=body, stream=True, **opts)

        return AsyncChatCompletionStream(opener)


class AsyncChat(_AsyncResource):
    def __init__(self, client: AsyncTokaroo) -> None:
        super().__init__(client)
        self.completions = AsyncCompletions(client)


class AsyncEmbeddings(_AsyncResource):
    async def create(
        self,
        *,
        input: str | list[str] | list[int] | list[list[int]],
        model: str | None = None,
        encoding_format: Literal["float", "base64"] | None = None,
        **params: Any,
    ) -> CreateEmbeddingResponse:
        opts = _pop_options(params)
        body = {
            k: v
            for k, v in {
                "input": input,
                "model": model,
                "encoding_format": encoding_format,
                **params,
            }.items()
            if v is not None
        }
        return await self._client._model(
            CreateEmbeddingResponse, "POST", "/embeddings", body=body, **opts
        )


class AsyncBalance(_AsyncResource):
    async def get(self) -> Balance:
        return await self._client._model(Balance, "GET", "/balance")
