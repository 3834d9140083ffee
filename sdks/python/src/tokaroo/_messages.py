"""Anthropic's Messages API (`client.messages`): create (whole or streamed), count_tokens.

msg = client.messages.create(model="auto", max_tokens=512,
                             messages=[{"role": "user", "content": "Hello!"}])
print(msg.text, msg._tokaroo.cost)
with client.messages.stream(model="auto", max_tokens=512, messages=[...]) as stream:
    for event in stream:
        if event.type == "content_block_delta" and event.delta.get("type") == "text_delta":
            print(event.delta["text"], end="")
print(stream.message.usage.cost_usd)  # the final message, usage and cost included
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


class MessageUsage(TokarooModel):
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_input_tokens: int = 0
    #: USD charged, exact decimal string (a Tokaroo extension).
    cost_usd: str | None = None


class Message(TokarooModel):
    id: str
    type: str = "message"
    role: str = "assistant"
    #: Echoes what you asked (auto, fast, max or a model id): the answering model stays hidden.
    model: str = ""
    content: list[dict[str, Any]] = []
    stop_reason: str | None = None
    stop_sequence: str | None = None
    usage: MessageUsage = MessageUsage()

    @property
    def text(self) -> str:
        """The text blocks, joined."""
        return "".join(b.get("text", "") for b in self.content if b.get("type") == "text")

    @property
    def tool_uses(self) -> list[dict[str, Any]]:
        return [b for b in self.content if b.get("type") == "tool_use"]


class MessageEvent(TokarooModel):
    """One streamed event: `type` and the event's own fields (`index`, `delta`, ...)."""

    type: str
    index: int | None = None
    delta: dict[str, Any] = {}


class TokenCount(TokarooModel):
    input_tokens: int


def _event(data: str, response: httpx.Response) -> MessageEvent:
    try:
        obj = json.loads(data)
    except ValueError as exc:
        raise TokarooError(f"Could not parse a stream event: {data[:200]}") from exc
    if not isinstance(obj, dict) or "type" not in obj:
        raise TokarooError(f"Unexpected stream event: {data[:200]}")
    if obj["type"] == "error":  # the upstream broke mid-stream
        raise make_error(response.status_code, obj.get("error"), response.headers)
    return MessageEvent.model_validate(obj)


class _Accumulator:
    """Builds the final message from the events, as Anthropic's SDKs do."""

    def __init__(self, response: httpx.Response) -> None:
        self.http_response = response
        self._tokaroo = ResponseMeta.from_response(response)
        self._doc: dict[str, Any] = {}
        self._json: dict[int, str] = {}
        self.message: Message | None = None

    def _read(self, data: str) -> MessageEvent:
        event = _event(data, self.http_response)
        self._note(event)
        return event

    def _note(self, event: MessageEvent) -> None:
        extra = event.model_extra or {}
        blocks: list[dict[str, Any]] = self._doc.setdefault("content", [])
        if event.type == "message_start":
            self._doc = {**extra.get("message", {}), "content": []}
        elif event.type == "content_block_start":
            blocks.append(dict(extra.get("content_block", {})))
        elif event.type == "content_block_delta" and event.index is not None:
            block = blocks[event.index]
            if event.delta.get("type") == "text_delta":
                block["text"] = block.get("text", "") + event.delta.get("text", "")
            elif event.delta.get("type") == "input_json_delta":
                self._json[event.index] = self._json.get(event.index, "") + event.delta.get(
                    "partial_json", ""
                )
        elif event.type == "content_block_stop" and event.index in self._json:
            blocks[event.index]["input"] = json.loads(self._json.pop(event.index) or "{}")
        elif event.type == "message_delta":
            self._doc.update({k: v for k, v in event.delta.items()})
            self._doc["usage"] = {**self._doc.get("usage", {}), **extra.get("usage", {})}
        elif event.type == "message_stop":
            self.message = Message.model_validate(self._doc)
            self.message._tokaroo = self._tokaroo
            self._tokaroo.cost = to_decimal(self.message.usage.cost_usd)


class MessageStream(_Accumulator):
    """Iterate it (once) for `MessageEvent`s; `.message` is the final message."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response)
        self._iterator = self._iterate()

    def _iterate(self) -> Iterator[MessageEvent]:
        try:
            for data in sse_data(self.http_response.iter_lines()):
                yield self._read(data)
        except httpx.TransportError as exc:
            raise APIConnectionError(f"The response stream broke: {exc!r}") from exc
        finally:
            self.http_response.close()

    def __iter__(self) -> Iterator[MessageEvent]:
        return self._iterator

    def __enter__(self) -> MessageStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.http_response.close()

    def final_message(self) -> Message:
        """Reads the rest of the stream; the final message."""
        for _ in self:
            pass
        if self.message is None:
            raise TokarooError("The stream ended without a final message.")
        return self.message


class AsyncMessageStream(_Accumulator):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response)
        self._iterator = self._iterate()

    async def _iterate(self) -> AsyncIterator[MessageEvent]:
        try:
            async for data in asse_data(self.http_response.aiter_lines()):
                yield self._read(data)
        except httpx.TransportError as exc:
            raise APIConnectionError(f"The response stream broke: {exc!r}") from exc
        finally:
            await self.http_response.aclose()

    def __aiter__(self) -> AsyncIterator[MessageEvent]:
        return self._iterator

    async def __aenter__(self) -> AsyncMessageStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.http_response.aclose()

    async def final_message(self) -> Message:
        async for _ in self:
            pass
        if self.message is None:
            raise TokarooError("The stream ended without a final message.")
        return self.message


def _body(
    model: str, max_tokens: int | None, params: dict[str, Any], stream: bool | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    from tokaroo._client import _pop_options

    opts = _pop_options(params)
    body: dict[str, Any] = {"model": model, **params}
    if max_tokens is not None:
        body["max_tokens"] = max_tokens
    if stream is not None:
        body["stream"] = stream
    return body, opts


class Messages:
    def __init__(self, client: Tokaroo) -> None:
        self._client = client

    def create(self, *, model: str, max_tokens: int, **params: Any) -> Message:
        """A message (Anthropic Messages parameters as keyword arguments: `messages`,
        `system`, `tools`, `tool_choice`, `stop_sequences`, `temperature`, `thinking`...)."""
        body, opts = _body(model, max_tokens, params, False)
        return self._client._model(Message, "POST", "/messages", body=body, **opts)

    def stream(self, *, model: str, max_tokens: int, **params: Any) -> MessageStream:
        body, opts = _body(model, max_tokens, params, True)
        return MessageStream(
            self._client._send("POST", "/messages", body=body, stream=True, **opts)
        )

    def count_tokens(self, *, model: str, **params: Any) -> TokenCount:
        body, opts = _body(model, None, params, None)
        return self._client._model(TokenCount, "POST", "/messages/count_tokens", body=body, **opts)


class AsyncMessages:
    def __init__(self, client: AsyncTokaroo) -> None:
        self._client = client

    async def create(self, *, model: str, max_tokens: int, **params: Any) -> Message:
        body, opts = _body(model, max_tokens, params, False)
        return await self._client._model(Message, "POST", "/messages", body=body, **opts)

    async def stream(self, *, model: str, max_tokens: int, **params: Any) -> AsyncMessageStream:
        body, opts = _body(model, max_tokens, params, True)
        return AsyncMessageStream(
            await self._client._send("POST", "/messages", body=body, stream=True, **opts)
        )

    async def count_tokens(self, *, model: str, **params: Any) -> TokenCount:
        body, opts = _body(model, None, params, None)
        return await self._client._model(
            TokenCount, "POST", "/messages/count_tokens", body=body, **opts
        )
