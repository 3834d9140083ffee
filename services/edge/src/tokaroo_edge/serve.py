"""The one flow of a chat request, whatever dialect it came in: open the request's record,
read the body into the canonical request, admit it (route, cache, hold), run the pipeline,
and answer in the dialect's shape with the `x-tokaroo-cache` / `x-tokaroo-cost` headers.
Each route supplies only how its dialect reads a body and renders an answer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol

from starlette.requests import Request
from tokaroo_common.money import format_usd

from tokaroo_edge.admission import Admission, admit
from tokaroo_edge.auth import Principal
from tokaroo_edge.chat_request import session_hint
from tokaroo_edge.disconnect import cancelled_if_client_leaves
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
        async with cancelled_if_client_leaves(request.receive):
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
