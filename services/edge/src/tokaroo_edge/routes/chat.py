"""POST /v1/chat/completions."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from tokaroo_common.money import format_usd

from tokaroo_edge.admission import admit
from tokaroo_edge.body import read_model
from tokaroo_edge.deps import Auth, State
from tokaroo_edge.events import EventDraft
from tokaroo_edge.responses import JsonResponse
from tokaroo_edge.schemas import ChatCompletionRequest

router = APIRouter()

_BODY_SCHEMA = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": ChatCompletionRequest.model_json_schema(ref_template="#/components/schemas/{model}")
}}}}


@router.post("/v1/chat/completions", openapi_extra=_BODY_SCHEMA, response_model=None)
async def chat_completions(request: Request, state: State,
                           principal: Auth) -> JsonResponse | StreamingResponse:
    started = time.monotonic()
    req = await read_model(request, ChatCompletionRequest, state.settings.max_body_bytes)
    request_id: str = request.state.request_id
    no_cache = "no-cache" in request.headers.get("x-tokaroo-cache-control", "").lower()
    adm = await admit(state.clients, state.pipeline.encoder, state.outbox, req, principal,
                      request_id, no_cache=no_cache, hold_ttl_ms=state.hold_ttl_ms,
                      limiter=state.limiter,
                      cache_timeout_s=state.settings.cache_lookup_timeout_s)
    draft = EventDraft(request_id=request_id, tenant_id=principal.tenant_id,
                       key_id=principal.key_id, model_requested=req.model,
                       endpoint="chat.completions", streamed=req.stream, started=started)
    cache_header = "hit" if adm.lookup.hit else "miss"
    if req.stream:
        stream = await state.pipeline.open_stream(req, adm, draft)
        return StreamingResponse(stream, media_type="text/event-stream", headers={
            "x-tokaroo-cache": cache_header, "cache-control": "no-cache"})
    body, bill = await state.pipeline.complete(req, adm, draft)
    return JsonResponse(body, headers={"x-tokaroo-cache": cache_header,
                                         "x-tokaroo-cost": format_usd(bill.charged_nano)})
