"""The one flow of a chat request, whatever dialect it came in: open the request's record,
read the body into the canonical request, admit it (route, cache, hold), run the pipeline,
and answer in the dialect's shape with the `x-tokaroo-cache` / `x-tokaroo-cost` headers.
Each route supplies only how its dialect reads a body and renders an answer."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol, TypeVar

from starlette.requests import ClientDisconnect, Request
from tokaroo_common.money import format_usd

from tokaroo_edge.admission import Admission, admit
from tokaroo_edge.auth import Principal
from tokaroo_edge.record import RecordedStream
from tokaroo_edge.responses import JsonResponse
from tokaroo_edge.schemas import ChatCompletionRequest
from tokaroo_edge.state import EdgeState

Json = dict[str, Any]
T = TypeVar("T")


class Rendering(Protocol):
    """How a dialect answers: a whole body, or the stream's bytes."""

    async def body(self, completion: Json, req: ChatCompletionRequest,
                   request_id: str) -> Json: ...

    def stream(self, chunks: AsyncIterator[Json], req: ChatCompletionRequest, adm: Admission,
               request_id: str) -> AsyncIterator[bytes]: ...


async def until_client_leaves(request: Request, work: Awaitable[T]) -> T:
    """`work`'s result, unless the client disconnects first: then `work` (an upstream call
    that nobody will read, say) is cancelled and `ClientDisconnect` ends the request, which
    its record notes as `client_closed`. The body has been read by then, so the next ASGI
    message can only be the disconnect."""
    task = asyncio.ensure_future(work)
    watch = asyncio.ensure_future(_disconnected(request))
    try:
        await asyncio.wait({task, watch}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watch.cancel()
        if not task.done():
            task.cancel()
    if not task.done() or task.cancelled():
        with contextlib.suppress(asyncio.CancelledError, ClientDisconnect):
            await task
        raise ClientDisconnect()
    return task.result()


async def _disconnected(request: Request) -> None:
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def serve_chat(request: Request, state: EdgeState, principal: Principal, endpoint: str,
                     read: Callable[[], Awaitable[ChatCompletionRequest]],
                     render: Rendering) -> JsonResponse | RecordedStream:
    record = state.open_record(request.state.request_id, principal, endpoint)
    async with record.guard():
        req = await read()
        record.draft.model_requested, record.draft.streamed = req.model, req.stream
        no_cache = "no-cache" in request.headers.get("x-tokaroo-cache-control", "").lower()
        adm = await until_client_leaves(request, admit(
            state.clients, state.pipeline.encoder, state.outbox, req, principal, record,
            no_cache=no_cache, hold_ttl_ms=state.hold_ttl_ms, limiter=state.limiter,
            cache_timeout_s=state.settings.cache_lookup_timeout_s))
        cache_header = "hit" if adm.lookup.hit else "miss"
        request_id = record.draft.request_id
        if req.stream:
            chunks = await until_client_leaves(request,
                                               state.pipeline.open_stream(req, adm, record))
            return RecordedStream(render.stream(chunks, req, adm, request_id), record, headers={
                "x-tokaroo-cache": cache_header, "cache-control": "no-cache"})
        body, bill = await until_client_leaves(request, state.pipeline.complete(req, adm, record))
        answer = await render.body(body, req, request_id)  # the Responses API stores it
        return JsonResponse(answer, headers={
            "x-tokaroo-cache": cache_header, "x-tokaroo-cost": format_usd(bill.charged_nano)})
