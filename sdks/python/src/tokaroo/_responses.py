"""The Responses API (`client.responses`): create (whole or streamed), retrieve, delete.

res = client.responses.create(model="auto", input="Hello!")
print(res.output_text, res._tokaroo.cost)
with client.responses.stream(model="auto", input="Tell me a story") as stream:
    for event in stream:
        if event.type == "response.output_text.delta":
            print(event.delta, end="")
print(stream.response.usage.cost_usd)  # the final response (response.completed)
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx

from tokaroo._base import asse_data, sse_data
from tokaroo._errors import APIConnectionError, TokarooError, make_error
from tokaroo.types import ResponseMeta, TokarooModel, to_decimal

if TYPE_CHECKING:
    from tokaroo._async_client import AsyncTokaroo
    from tokaroo._client import Tokaroo

_FINAL = ("response.completed", "response.incomplete", "response.failed")


class ResponseUsage(TokarooModel):
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    #: USD charged, exact decimal string (a Tokaroo extension).
    cost_usd: str | None = None


class Response(TokarooModel):
    id: str
    object: str = "response"
    status: str = "completed"
    #: Echoes what you asked (auto, fast, max or a model id): the answering model stays hidden.
    model: str = ""
    output: list[dict[str, Any]] = []
    usage: ResponseUsage | None = None

    @property
    def output_text(self) -> str:
        """The text of every output message, joined (as the openai SDK's `output_text`)."""
        return "".join(
            part.get("text", "")
            for item in self.output
            if item.get("type") == "message"
            for part in item.get("content", [])
            if part.get("type") == "output_text"
        )

    @property
    def function_calls(self) -> list[dict[str, Any]]:
        return [item for item in self.output if item.get("type") == "function_call"]


class ResponseEvent(TokarooModel):
    """One streamed event: `type`, `sequence_number` and the event's own fields."""

    type: str
    sequence_number: int = 0


def _event(data: str, response: httpx.Response) -> ResponseEvent:
    try:
        obj = json.loads(data)
    except ValueError as exc:
        raise TokarooError(f"Could not parse a stream event: {data[:200]}") from exc
    if not isinstance(obj, dict) or "type" not in obj:
        raise TokarooError(f"Unexpected stream event: {data[:200]}")
    if obj["type"] == "error":  # the upstream broke mid-stream
        raise make_error(response.status_code, obj, response.headers)
    return ResponseEvent.model_validate(obj)


class _StreamState:
    def __init__(self) -> None:
        self.response: Response | None = None
        self._tokaroo: ResponseMeta | None = None

    def _note(self, event: ResponseEvent) -> None:
        if event.type in _FINAL:
            self.response = Response.model_validate((event.model_extra or {})["response"])
            if self._tokaroo is not None:
                self.response._tokaroo = self._tokaroo
                usage = self.response.usage
                self._tokaroo.cost = to_decimal(usage.cost_usd) if usage else None


class ResponseStream(_StreamState):
    """Iterate it (once) for `ResponseEvent`s; `.response` is the final response."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__()
        self.http_response = response
        self._tokaroo = ResponseMeta.from_response(response)
        self._iterator = self._iterate()

    def _iterate(self) -> Iterator[ResponseEvent]:
        try:
            for data in sse_data(self.http_response.iter_lines()):
                event = _event(data, self.http_response)
                self._note(event)
                yield event
        except httpx.TransportError as exc:
            raise APIConnectionError(f"The response stream broke: {exc!r}") from exc
        finally:
            self.http_response.close()

    def __iter__(self) -> Iterator[ResponseEvent]:
        return self._iterator

    def __enter__(self) -> ResponseStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.http_response.close()

    def final_response(self) -> Response:
        """Reads the rest of the stream; the final response."""
        for _ in self:
            pass
        if self.response is None:
            raise TokarooError("The stream ended without a final response.")
        return self.response


class AsyncResponseStream(_StreamState):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__()
        self.http_response = response
        self._tokaroo = ResponseMeta.from_response(response)
        self._iterator = self._iterate()

    async def _iterate(self) -> AsyncIterator[ResponseEvent]:
        try:
            async for data in asse_data(self.http_response.aiter_lines()):
                event = _event(data, self.http_response)
                self._note(event)
                yield event
        except httpx.TransportError as exc:
            raise APIConnectionError(f"The response stream broke: {exc!r}") from exc
        finally:
            await self.http_response.aclose()

    def __aiter__(self) -> AsyncIterator[ResponseEvent]:
        return self._iterator

    async def __aenter__(self) -> AsyncResponseStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.http_response.aclose()

    async def final_response(self) -> Response:
        async for _ in self:
            pass
        if self.response is None:
            raise TokarooError("The stream ended without a final response.")
        return self.response


def _body(
    model: str, params: dict[str, Any], stream: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    from tokaroo._client import _pop_options

    opts = _pop_options(params)
    return {"model": model, **params, "stream": stream}, opts


def _path(response_id: str) -> str:
    from tokaroo._client import _quote

    return f"/responses/{_quote(response_id)}"


class Responses:
    def __init__(self, client: Tokaroo) -> None:
        self._client = client

    def create(self, *, model: str, **params: Any) -> Response:
        """A response (OpenAI Responses API parameters as keyword arguments: `input`,
        `instructions`, `tools`, `text`, `previous_response_id`, `store`...)."""
        body, opts = _body(model, params, False)
        return self._client._model(Response, "POST", "/responses", body=body, **opts)

    def stream(self, *, model: str, **params: Any) -> ResponseStream:
        body, opts = _body(model, params, True)
        return ResponseStream(
            self._client._send("POST", "/responses", body=body, stream=True, **opts)
        )

    def retrieve(self, response_id: str) -> Response:
        """A stored response (`store`, the default); NotFoundError for an unknown id."""
        return self._client._model(Response, "GET", _path(response_id))

    def delete(self, response_id: str) -> None:
        self._client._send("DELETE", _path(response_id))


class AsyncResponses:
    def __init__(self, client: AsyncTokaroo) -> None:
        self._client = client

    async def create(self, *, model: str, **params: Any) -> Response:
        body, opts = _body(model, params, False)
        return await self._client._model(Response, "POST", "/responses", body=body, **opts)

    async def stream(self, *, model: str, **params: Any) -> AsyncResponseStream:
        body, opts = _body(model, params, True)
        return AsyncResponseStream(
            await self._client._send("POST", "/responses", body=body, stream=True, **opts)
        )

    async def retrieve(self, response_id: str) -> Response:
        return await self._client._model(Response, "GET", _path(response_id))

    async def delete(self, response_id: str) -> None:
        await self._client._send("DELETE", _path(response_id))
