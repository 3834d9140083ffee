"""The one flow of a chat request, whatever dialect it came in: open the request's record,
read the body into the canonical request, admit it (route, cache, hold), run the pipeline,
and answer in the dialect's shape with the `x-tokaroo-cache` / `x-tokaroo-cost` headers.
Each route supplies only how its dialect reads a body and renders an answer."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol

from starlette.requests import ClientDisconnect, Request
from tokaroo_common.money import format_usd

from tokaroo_edge.admission import Admission, admit
from tokaroo_edge.auth import Principal
from tokaroo_edge.chat_request import session_hint
from tokaroo_edge.record import RecordedStream
from tokaroo_edge.responses import JsonResponse
from tokaroo_edge.schemas import ChatCompletionRequest
from tokaroo_edge.state import EdgeState

Json = dict[str, Any]


class Rendering(Protocol):
    """How a dialect answers: a whole body, or the stream's bytes."""

    async def body(self, completion: Json, req: ChatCompletionRequest, request_id: str) -> Json: ...

    def stream(
        self,
        chunks: AsyncIterator[Json],
        req: ChatCompletionRequest,
        adm: Admission,
        request_id: str,
    ) -> AsyncIterator[bytes]: ...


@contextlib.asynccontextmanager
async def cancelled_if_client_leaves(request: Request) -> AsyncIterator[None]:
    """Inside, the request's task is cancelled if the client disconnects, so work nobody
    will read (admission, an upstream call, a first token) stops; that cancellation leaves
    as `ClientDisconnect`, which the request's record notes as `client_closed`. The body has
    been read by then, so the next ASGI message can only be the disconnect. One watcher
    task per request."""
    task = asyncio.current_task()
    assert task is not None
    left = False

    def on_disconnect(watch: asyncio.Future[None]) -> None:
        nonlocal left
        if not watch.cancelled() and watch.exception() is None:
            left = True
            task.cancel()

    watch = asyncio.ensure_future(_disconnected(request))
    watch.add_done_callback(on_disconnect)
    try:
        yield
    except asyncio.CancelledError:
        if not left:
            raise
        task.uncancel()
        raise ClientDisconnect() from None
    finally:
        watch.remove_done_callback(on_disconnect)
        watch.cancel()


async def _disconnected(request: Request) -> None:
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def serve_chat(
    request: Request,
    state: EdgeState,
    principal: Principal,
    endpoint: str,
    read: Callable[[], Awaitable[ChatCompletionRequest]],
    render: Rendering,
) -> JsonResponse | RecordedStream:
    record = state.open_record(request.state.request_id, principal, endpoint)
    async with record.guard():
        req = await read()
        record.draft.model_requested, record.draft.streamed = req.model, req.stream
        no_cache = "no-cache" in request.headers.get("x-tokaroo-cache-control", "").lower()
        async with cancelled_if_client_leaves(request):
            adm = await admit(
                state.routing,
                state.completer.encoder,
                state.outbox,
                req,
                principal,
                record,
                no_cache=no_cache,
                holds=state.holds,
                hold_ttl_ms=state.hold_ttl_ms,
                limiter=state.limiter,
                answers=state.completer.answers,
                cache_timeout_s=state.settings.cache_lookup_timeout_s,
                session_hint=session_hint(request.headers, req),
            )
            if req.stream:
                chunks = await state.completer.open_stream(req, adm, record)
            else:
                body, bill = await state.completer.complete(req, adm, record)
        cache_header = "hit" if adm.lookup.hit else "miss"
        request_id = record.draft.request_id
        if req.stream:
            return RecordedStream(
                render.stream(chunks, req, adm, request_id),
                record,
                headers={"x-tokaroo-cache": cache_header, "cache-control": "no-cache"},
            )
        answer = await render.body(body, req, request_id)  # the Responses API stores it
        return JsonResponse(
            answer,
            headers={
                "x-tokaroo-cache": cache_header,
                "x-tokaroo-cost": format_usd(bill.charged_nano),
            },
        )
