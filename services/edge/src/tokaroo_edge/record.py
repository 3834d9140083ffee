"""One record per request, from authentication to the end of the response.

The record owns the request's `EventDraft` and its balance hold, and emits exactly one
`CompletionEvent` however the request ends: an answer, a rejection (400, 402, 429, 503...),
an upstream failure, a client that disconnects, a cancelled task, or a stream whose body was
never iterated. The ledger removes the hold when it settles that event, so emitting once is
also what releases the hold (a hold whose RPC timed out included).

Non-streaming requests end when the route's `guard()` exits. A stream ends in
`RecordedStream.__call__`'s `finally`, which runs even when the response is cancelled
before its body generator started (a generator's own `finally` would not run then): the
record bills what was delivered, emits, and closes the body and the upstream stream."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import anyio
from starlette.requests import ClientDisconnect
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send
from tokaroo_common.errors import TokarooError

from tokaroo_edge.disconnect import cancelled_if_client_leaves
from tokaroo_edge.events import EventDraft, EventObserver, EventSink, emit

log = logging.getLogger(__name__)

CLOSE_TIMEOUT_S = 2.0
CLIENT_CLOSED = "client_closed"


def failure_code(exc: BaseException) -> str:
    """The event's error code for a request that ended with `exc`. Pure."""
    if isinstance(exc, TokarooError):
        return exc.code
    if isinstance(exc, (asyncio.CancelledError, ClientDisconnect)):
        return CLIENT_CLOSED
    return "internal_error"


async def close_quietly(it: object) -> None:
    """Close an async iterator (an upstream stream, a body generator), shielded from the
    cancellation that is usually why it is being closed, and bounded in time."""
    aclose = getattr(it, "aclose", None)
    if aclose is None:
        return
    with anyio.move_on_after(CLOSE_TIMEOUT_S, shield=True):
        try:
            await aclose()
        except Exception:  # noqa: BLE001 - closing a broken stream may fail again
            log.debug("stream close failed")


class RequestRecord:
    def __init__(
        self, draft: EventDraft, sink: EventSink, observer: EventObserver | None = None
    ) -> None:
        self.draft = draft
        self.hold_nano = 0  # reserved against the balance; removed when the event settles
        self._sink = sink
        self._observer = observer
        self._emitted = False
        self._streaming = False
        self._stream_done = False
        self._on_abandon: Callable[[], object] | None = None
        self._resources: list[AsyncIterator[Any]] = []

    @property
    def emitted(self) -> bool:
        return self._emitted

    def held(self, amount_nano: int) -> None:
        self.hold_nano = amount_nano

    def own(
        self, upstream: AsyncIterator[Any], on_abandon: Callable[[], object] | None = None
    ) -> None:
        """Close `upstream` when the request ends. `on_abandon` sets the bill of what was
        delivered; it runs if the request ends before the event was emitted."""
        self._resources.append(upstream)
        if on_abandon is not None:
            self._on_abandon = on_abandon

    def hand_off(self, body: AsyncIterator[bytes]) -> None:
        """The streaming response owns the end of the request from now on."""
        self._streaming = True
        self._resources.insert(0, body)

    def stream_ended(self) -> None:
        """The whole body was produced (not necessarily read by the client)."""
        self._stream_done = True

    def fail(self, exc: BaseException) -> None:
        """Record why the request ended, unless an outcome is already recorded."""
        if not self._emitted and self.draft.status == "ok":
            self.draft.status, self.draft.error_code = "error", failure_code(exc)

    def finish(self) -> None:
        """Emit the event now, with the draft as it is. Once: later calls do nothing."""
        if self._emitted:
            return
        self._emitted = True
        emit(self._sink, self.draft, self._observer)

    async def close(self, exc: BaseException | None = None) -> None:
        """End the request: emit (billing what was delivered if nobody did), then close the
        body and the upstream stream. `exc` is what ended a stream early, if anything did
        (none: the client left). Idempotent."""
        if not self._emitted:
            try:
                if self._streaming and not self._stream_done and self.draft.status == "ok":
                    self.draft.status = "partial"
                    self.draft.error_code = CLIENT_CLOSED if exc is None else failure_code(exc)
                if self._on_abandon is not None:
                    self._on_abandon()
            except Exception:  # the event goes out, with whatever bill was set
                log.exception(
                    "billing an ended request failed",
                    extra={"request_id": self.draft.request_id, "tenant_id": self.draft.tenant_id},
                )
            self.finish()
        resources, self._resources = self._resources, []
        for resource in resources:
            await close_quietly(resource)

    @asynccontextmanager
    async def guard(self) -> AsyncIterator[RequestRecord]:
        """The route's scope: whatever escapes it is the request's outcome. The record is
        closed on the way out unless a `RecordedStream` took it over."""
        try:
            yield self
        except BaseException as exc:
            self.fail(exc)
            await self.close()
            raise
        if not self._streaming:
            await self.close()


async def _watch(body: AsyncIterator[bytes], record: RequestRecord) -> AsyncIterator[bytes]:
    async for chunk in body:
        yield chunk
    record.stream_ended()


class RecordedStream(StreamingResponse):
    """A StreamingResponse that closes its request's record however the response ends."""

    def __init__(
        self,
        body: AsyncIterator[bytes],
        record: RequestRecord,
        *,
        headers: Mapping[str, str] | None = None,
        media_type: str = "text/event-stream",
    ) -> None:
        record.hand_off(body)
        self._record = record
        super().__init__(_watch(body, record), headers=headers, media_type=media_type)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The body goes out from the request's own task, whatever ASGI version the server
        speaks (Starlette's own way under uvicorn is a task group and a second task per
        stream, on the way to the first token); a client that leaves cancels it."""
        error: BaseException | None = None
        try:
            async with cancelled_if_client_leaves(receive):
                await self.stream_response(send)
        except ClientDisconnect:
            pass  # the client left: closing the record bills what was delivered
        except BaseException as exc:
            error = exc
            raise
        finally:
            await self._record.close(error)
            await close_quietly(self.body_iterator)
