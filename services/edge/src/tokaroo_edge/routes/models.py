"""GET /v1/models: the pool with reference retail prices, plus the virtual models;
GET /v1/models/{id}: one of them (404 model_not_found for any other id)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter
from tokaroo_common.errors import ModelNotFound
from tokaroo_common.policy import VIRTUAL_MODELS
from tokaroo_proto.router.v1 import router_pb2

from tokaroo_edge.deps import Auth, State
from tokaroo_edge.internal import call
from tokaroo_edge.responses import JsonResponse
from tokaroo_edge.state import EdgeState

router = APIRouter()

_VIRTUAL_DESCRIPTIONS = {
    "auto": "Tokaroo picks the cheapest capable model (value-first)",
    "fast": "Lowest latency tier (speed-first)",
    "max": "Frontier models only (premium capability)",
}


def _num(value: str) -> float | int:
    d = Decimal(value or "0")
    return int(d) if d == d.to_integral_value() else float(d)


async def _models(state: EdgeState) -> list[dict[str, Any]]:
    resp = await call(state.clients.router.ListModels(router_pb2.ListModelsRequest(), timeout=5))
    data: list[dict[str, Any]] = [
        {
            "id": v,
            "object": "model",
            "created": 0,
            "owned_by": "tokaroo",
            "description": _VIRTUAL_DESCRIPTIONS[v],
        }
        for v in VIRTUAL_MODELS
    ]
    data += [
        {
            "id": m.id,
            "object": "model",
            "created": m.created,
            "owned_by": m.owned_by,
            "pricing": {
                "input_per_1m": _num(m.input_usd_per_1m),
                "output_per_1m": _num(m.output_usd_per_1m),
            },
        }
        for m in resp.models
    ]
    return data


@router.get("/v1/models")
async def list_models(state: State, principal: Auth) -> JsonResponse:
    return JsonResponse({"object": "list", "data": await _models(state)})


@router.get("/v1/models/{model_id:path}")
async def get_model(model_id: str, state: State, principal: Auth) -> JsonResponse:
    for model in await _models(state):
        if model["id"] == model_id:
            return JsonResponse(model)
    raise ModelNotFound(f"The model '{model_id}' does not exist.", param="model")
