"""POST /v1/embeddings."""

from __future__ import annotations

from fastapi import APIRouter, Request
from tokaroo_common.money import format_usd

from tokaroo_edge.body import read_model
from tokaroo_edge.deps import authenticated
from tokaroo_edge.responses import JsonResponse
from tokaroo_edge.schemas import EmbeddingRequest

router = APIRouter()

_BODY_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": EmbeddingRequest.model_json_schema(
                    ref_template="#/components/schemas/{model}"
                )
            }
        },
    }
}


@router.post("/v1/embeddings", openapi_extra=_BODY_SCHEMA)
async def embeddings(request: Request) -> JsonResponse:
    state, principal = await authenticated(request)
    record = state.open_record(request.state.request_id, principal, "embeddings")
    async with record.guard():
        req = await read_model(request, EmbeddingRequest, state.settings.max_body_bytes)
        record.draft.model_requested = req.model or "auto"
        body, bill = await state.embeddings.embed(
            req,
            principal,
            record,
            hold_ttl_ms=state.hold_ttl_ms,
            holds=state.holds,
            limiter=state.limiter,
        )
        return JsonResponse(
            body,
            headers={"x-tokaroo-cache": "miss", "x-tokaroo-cost": format_usd(bill.charged_nano)},
        )
