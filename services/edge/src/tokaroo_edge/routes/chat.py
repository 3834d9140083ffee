"""POST /v1/chat/completions."""

from __future__ import annotations

from fastapi import APIRouter, Request
from tokaroo_common.money import format_usd

from tokaroo_edge.admission import admit
from tokaroo_edge.body import read_model
from tokaroo_edge.deps import Auth, State
from tokaroo_edge.record import RecordedStream
from tokaroo_edge.responses import JsonResponse
from tokaroo_edge.schemas import ChatCompletionRequest
from tokaroo_edge.sse import chat_completions_sse

router = APIRouter()

_BODY_SCHEMA = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": ChatCompletionRequest.model_json_schema(ref_template="#/components/schemas/{model}")
}}}}


@router.post("/v1/chat/completions", openapi_extra=_BODY_SCHEMA, response_model=None)
async def chat_completions(request: Request, state: State,
                           principal: Auth) -> JsonResponse | RecordedStream:
    record = state.open_record(request.state.request_id, principal, "chat.completions")
    async with record.guard():
        req = await read_model(request, ChatCompletionRequest, state.settings.max_body_bytes)
        record.draft.model_requested, record.draft.streamed = req.model, req.stream
        no_cache = "no-cache" in request.headers.get("x-tokaroo-cache-control", "").lower()
        adm = await admit(state.clients, state.pipeline.encoder, state.outbox, req, principal,
                          record, no_cache=no_cache, hold_ttl_ms=state.hold_ttl_ms,
                          limiter=state.limiter,
                          cache_timeout_s=state.settings.cache_lookup_timeout_s)
        cache_header = "hit" if adm.lookup.hit else "miss"
        if req.stream:
            chunks = await state.pipeline.open_stream(req, adm, record)
            include_usage = bool(req.stream_options and req.stream_options.include_usage)
            return RecordedStream(chat_completions_sse(chunks, include_usage), record, headers={
                "x-tokaroo-cache": cache_header, "cache-control": "no-cache"})
        body, bill = await state.pipeline.complete(req, adm, record)
        return JsonResponse(body, headers={"x-tokaroo-cache": cache_header,
                                           "x-tokaroo-cost": format_usd(bill.charged_nano)})
