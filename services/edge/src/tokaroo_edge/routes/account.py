"""Tenant account endpoints: balance, usage history and API keys."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from tokaroo_common.money import format_usd, nano_to_usd
from tokaroo_proto.ledger.v1 import ledger_pb2

from tokaroo_edge.body import read_model
from tokaroo_edge.deps import Auth, State
from tokaroo_edge.internal import call
from tokaroo_edge.responses import JsonResponse
from tokaroo_edge.schemas import KeyCreateRequest

router = APIRouter()


def usd_number(nano: int) -> float:
    """USD as a JSON number; exact for every amount below 10^6 USD (15 significant digits)."""
    return float(nano_to_usd(nano))


def _iso(ms: int) -> str | None:
    if not ms:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")


def _key_json(k: ledger_pb2.KeyInfo) -> dict[str, Any]:
    return {"id": k.id, "object": "api_key", "name": k.name, "prefix": k.prefix,
            "created_at": _iso(k.created_at_unix_ms), "last_used_at": _iso(k.last_used_at_unix_ms),
            "revoked": k.revoked}


@router.get("/v1/balance")
async def balance(state: State, principal: Auth) -> JsonResponse:
    bal = await call(state.clients.ledger.GetBalance(
        ledger_pb2.GetBalanceRequest(tenant_id=principal.tenant_id), timeout=5))
    return JsonResponse({"object": "balance", "balance_usd": usd_number(bal.balance_nano),
                           "balance_usd_exact": format_usd(bal.balance_nano),
                           "currency": "usd"})


@router.get("/v1/usage")
async def usage(state: State, principal: Auth, limit: int = Query(50, ge=1, le=100),
                cursor: str | None = Query(None, max_length=512),
                after: str | None = Query(None, max_length=512)) -> JsonResponse:
    resp = await call(state.clients.ledger.ListUsage(ledger_pb2.ListUsageRequest(
        tenant_id=principal.tenant_id, limit=limit, cursor=cursor or after or ""), timeout=5))
    data = [{"id": r.id, "object": "usage", "tier": r.tier, "input_tokens": r.input_tokens,
             "output_tokens": r.output_tokens, "charged_usd": usd_number(r.charged_nano),
             "latency_ms": r.latency_ms, "cache": r.cache_outcome or "miss",
             "status": r.status or "ok", "created_at": _iso(r.created_at_unix_ms)}
            for r in resp.records]
    return JsonResponse({"object": "list", "data": data, "has_more": bool(resp.next_cursor),
                           "next_cursor": resp.next_cursor or None})


@router.post("/v1/keys")
async def create_key(request: Request, state: State, principal: Auth) -> JsonResponse:
    body = await read_model(request, KeyCreateRequest, 64 * 1024)
    created = await call(state.clients.ledger.CreateKey(ledger_pb2.CreateKeyRequest(
        tenant_id=principal.tenant_id, name=body.name), timeout=5))
    return JsonResponse({**_key_json(created.key), "key": created.secret}, status_code=201)


@router.get("/v1/keys")
async def list_keys(state: State, principal: Auth) -> JsonResponse:
    resp = await call(state.clients.ledger.ListKeys(
        ledger_pb2.ListKeysRequest(tenant_id=principal.tenant_id), timeout=5))
    return JsonResponse({"object": "list", "data": [_key_json(k) for k in resp.keys]})


@router.delete("/v1/keys/{key_id}")
async def revoke_key(key_id: str, state: State, principal: Auth) -> JsonResponse:
    await call(state.clients.ledger.RevokeKey(ledger_pb2.RevokeKeyRequest(
        tenant_id=principal.tenant_id, key_id=key_id), timeout=5))
    return JsonResponse({"id": key_id, "object": "api_key", "deleted": True, "revoked": True})
