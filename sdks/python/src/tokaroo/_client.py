"""The synchronous client: `Tokaroo(api_key=..., base_url=...)`."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from types import TracebackType
from typing import Any, Literal, TypeVar, overload

import httpx

from tokaroo import _base
from tokaroo._errors import APIConnectionError, APITimeoutError
from tokaroo._keys import Keys, Usage
from tokaroo._messages import Messages
from tokaroo._responses import Responses
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


class ChatCompletionStream:
    """A streamed chat completion: iterate it (once) for `ChatCompletionChunk`s.

    `stream._tokaroo` has the response metadata (its `cost` is filled in from the final usage
    chunk), `stream.usage` the final usage. Use it as a context manager, or call `close()`,
    to close the connection when you stop early.
    """

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._tokaroo = ResponseMeta.from_response(response)
        self.usage: CompletionUsage | None = None
        self._iterator = self._iterate()

    def _iterate(self) -> Iterator[ChatCompletionChunk]:
        try:
            for data in _base.sse_data(self.response.iter_lines()):
                obj = _base.decode_event(data, self.response)
                if obj is None:
                    break
                chunk = ChatCompletionChunk.model_validate(obj)
                chunk._tokaroo = self._tokaroo
                if chunk.usage is not None:
                    self.usage = chunk.usage
                    if chunk.usage.cost_usd is not None:
                        self._tokaroo.cost = to_decimal(chunk.usage.cost_usd)
                yield chunk
        except httpx.TransportError as exc:
            raise APIConnectionError(f"The response stream broke: {exc!r}") from exc
        finally:
            self.response.close()

    def __iter__(self) -> Iterator[ChatCompletionChunk]:
        return self._iterator

    def __next__(self) -> ChatCompletionChunk:
        return next(self._iterator)

    def close(self) -> None:
        self.response.close()

    def __enter__(self) -> ChatCompletionStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def final_text(self) -> str:
        """Reads the whole stream; returns the text of choice 0."""
        return "".join((c.choices[0].delta.content or "") for c in self if c.choices)


class Tokaroo:
    """The Tokaroo client. `api_key` defaults to $TOKAROO_API_KEY, `base_url` to
    $TOKAROO_BASE_URL, then https://api.tokaroo.com/v1. Failed calls raise `APIError`
    subclasses; 408/409/429/5xx answers and connection failures are retried `max_retries` times
    with backoff, honouring `retry-after`."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        max_retries: int = _base.DEFAULT_MAX_RETRIES,
        timeout: float | httpx.Timeout = _base.DEFAULT_TIMEOUT,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        self.api_key = _base.resolve_api_key(api_key)
        self.base_url = _base.resolve_base_url(base_url)
        self.max_retries = max_retries
        self.timeout = timeout
        self._default_headers = dict(default_headers or {})
        self._owns_client = http_client is None
        self._http = http_client or httpx.Client(timeout=timeout)
        self.chat = Chat(self)
        self.embeddings = Embeddings(self)
        self.balance = BalanceResource(self)
        self.usage = Usage(self)
        self.keys = Keys(self)
        self.responses = Responses(self)
        self.messages = Messages(self)

    # -- plumbing ------------------------------------------------------------------------------

    def _send(
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
                response = self._http.send(request, stream=stream)
            except httpx.TimeoutException as exc:
                if attempt < retries:
                    time.sleep(_base.retry_delay(attempt, None))
                    attempt += 1
                    continue
                raise APITimeoutError("Request timed out.") from exc
            except httpx.TransportError as exc:
                if attempt < retries:
                    time.sleep(_base.retry_delay(attempt, None))
                    attempt += 1
                    continue
                raise APIConnectionError(f"Connection error: {exc!r}") from exc
            if response.is_success:
                return response
            response.read()
            response.close()
            if attempt < retries and _base.should_retry(response):
                time.sleep(_base.retry_delay(attempt, response.headers))
                attempt += 1
                continue
            raise _base.error_from_response(response)

    def _model(self, cls: type[M], method: str, path: str, **kwargs: Any) -> M:
        response = self._send(method, path, **kwargs)
        obj = cls.model_validate(response.json())
        obj._tokaroo = ResponseMeta.from_response(response)
        return obj

    def _fetch(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        """A raw call: `client._fetch("GET", "/v1/models")["data"]`. A path starting with /v1
        is resolved against the API origin, any other relative path against `base_url`.
        Returns the parsed JSON (text for a non-JSON body, None for an empty one)."""
        return _base.parse_body(self._send(method, path, body=body, **kwargs))

    def close(self) -> None:
        if self._owns_client:
            self._http.close()

    def __enter__(self) -> Tokaroo:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class _Resource:
    def __init__(self, client: Tokaroo) -> None:
        self._client = client


class Completions(_Resource):
    @overload
    def create(
        self,
        *,
        model: str,
        messages: list[dict[str, Any]] | list[Any],
        stream: Literal[True],
        **params: Any,
    ) -> ChatCompletionStream: ...

    @overload
    def create(
        self,
        *,
        model: str,
        messages: list[dict[str, Any]] | list[Any],
        stream: Literal[False] = False,
        **params: Any,
    ) -> ChatCompletion: ...

    def create(
        self,
        *,
        model: str,
        messages: list[dict[str, Any]] | list[Any],
        stream: bool = False,
        **params: Any,
    ) -> ChatCompletion | ChatCompletionStream:
        """A chat completion (OpenAI parameters as keyword arguments; `extra_headers`,
        `timeout` and `max_retries` apply to this call). With `stream=True`, the same as
        `stream(...)`."""
        if stream:
            return self.stream(model=model, messages=messages, **params)
        opts = _pop_options(params)
        body = _base.chat_body({"model": model, "messages": messages, **params}, stream=False)
        return self._client._model(ChatCompletion, "POST", "/chat/completions", body=body, **opts)

    def stream(
        self, *, model: str, messages: list[dict[str, Any]] | list[Any], **params: Any
    ) -> ChatCompletionStream:
        """A streamed chat completion: `for chunk in client.chat.completions.stream(...)`.
        Usage is asked for unless you pass `stream_options`: the last chunk then has empty
        `choices` and the usage with `cost_usd`."""
        opts = _pop_options(params)
        body = _base.chat_body({"model": model, "messages": messages, **params}, stream=True)
        response = self._client._send("POST", "/chat/completions", body=body, stream=True, **opts)
        return ChatCompletionStream(response)


class Chat(_Resource):
    def __init__(self, client: Tokaroo) -> None:
        super().__init__(client)
        self.completions = Completions(client)


class Embeddings(_Resource):
    def create(
        self,
        *,
        input: str | list[str] | list[int] | list[list[int]],
        model: str | None = None,
        encoding_format: Literal["float", "base64"] | None = None,
        **params: Any,
    ) -> CreateEmbeddingResponse:
        """Embeddings of `input` (floats; a base64 string of little-endian float32 each with
        encoding_format="base64"). `model` is optional."""
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
        return self._client._model(
            CreateEmbeddingResponse, "POST", "/embeddings", body=body, **opts
        )


class BalanceResource(_Resource):
    def get(self) -> Balance:
        """`balance_usd` (float) and `balance_usd_exact` (decimal string)."""
        return self._client._model(Balance, "GET", "/balance")


def _quote(segment: str) -> str:
    from urllib.parse import quote

    return quote(segment, safe="")


def _pop_options(params: dict[str, Any]) -> dict[str, Any]:
    """Per-call options mixed into the keyword arguments (as in the openai SDK)."""
    opts: dict[str, Any] = {}
    if "extra_headers" in params:
        opts["headers"] = params.pop("extra_headers")
    for name in ("timeout", "max_retries"):
        if name in params:
            opts[name] = params.pop(name)
    extra_body = params.pop("extra_body", None)
    if extra_body:
        params.update(extra_body)
    return opts
