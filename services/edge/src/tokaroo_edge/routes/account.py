"""Tenant account endpoints: balance, usage history (filtered, paged, summed per day) and API
keys with their controls (budget, rate limits, allowed models, expiry)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Query, Request
from tokaroo_common.money import format_usd
from tokaroo_proto.ledger.v1 import ledger_pb2

from tokaroo_edge.body import read_model
from tokaroo_edge.deps import Auth, State
from tokaroo_edge.internal import call
from tokaroo_edge.key_api import (
    KeyCreate,
    KeyPatch,
    create_request,
    key_json,
    update_request,
    usd_number,
)
from tokaroo_edge.key_api import iso as _iso
from tokaroo_edge.responses import JsonResponse
from tokaroo_edge.usage_api import summary_json

router = APIRouter()


def _ms(value: datetime | None) -> int:
    return 0 if value is None else max(int(value.timestamp() * 1000), 1)


def _now_ms() -> int:
    return int(time.time() * 1000)


@router.get("/v1/balance")
async def balance(state: State, principal: Auth) -> JsonResponse:
    bal = await call(
        state.clients.ledger.GetBalance(
            ledger_pb2.GetBalanceRequest(tenant_id=principal.tenant_id), timeout=5
        )
    )
    return JsonResponse(
        {
            "object": "balance",
            "tenant_id": principal.tenant_id,
            "balance_usd": usd_number(bal.balance_nano),
            "balance_usd_exact": format_usd(bal.balance_nano),
            "currency": "usd",
        }
    )


@router.get("/v1/usage")
async def usage(
    state: State,
    principal: Auth,
    limit: int = Query(50, ge=1, le=100),
    cursor: str | None = Query(None, max_length=512),
    after: str | None = Query(None, max_length=512),
    key_id: str | None = Query(None, max_length=64),
    tier: str | None = Query(None, max_length=64),
    cache: Literal["miss", "exact", "semantic"] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> JsonResponse:
    resp = await call(
        state.clients.ledger.ListUsage(
            ledger_pb2.ListUsageRequest(
                tenant_id=principal.tenant_id,
                limit=limit,
                cursor=cursor or after or "",
                key_id=key_id or "",
                tier=tier or "",
                cache_outcome=cache or "",
                since_unix_ms=_ms(since),
                until_unix_ms=_ms(until),
            ),
            timeout=5,
        )
    )
    data = [
        {
            "id": r.id,
            "object": "usage",
            "tier": r.tier,
            "input_tokens": r.input_tokens,
            "cached_tokens": r.cached_tokens,
            "output_tokens": r.output_tokens,
            "charged_usd": usd_number(r.charged_nano),
            "latency_ms": r.latency_ms,
            "cache": r.cache_outcome or "miss",
            "status": r.status or "ok",
            "created_at": _iso(r.created_at_unix_ms),
            "key_id": r.key_id or None,
            "error": r.error_code or None,
        }
        for r in resp.records
    ]
    return JsonResponse(
        {
            "object": "list",
            "data": data,
            "has_more": bool(resp.next_cursor),
            "next_cursor": resp.next_cursor or None,
        }
    )


@router.get("/v1/usage/summary")
async def usage_summary(
    state: State,
    principal: Auth,
    since: datetime | None = None,
    until: datetime | None = None,
    key_id: str | None = Query(None, max_length=64),
) -> JsonResponse:
    """Per-day totals for charts: spend, requests by tier and cache outcome, and what the same
    requests would have cost at the market baseline."""
    resp = await call(
        state.clients.ledger.UsageSummary(
            ledger_pb2.UsageSummaryRequest(
                tenant_id=principal.tenant_id,
                since_unix_ms=_ms(since),
                until_unix_ms=_ms(until),
                key_id=key_id or "",
            ),
            timeout=10,
        )
    )
    return JsonResponse(summary_json(resp))


@router.post("/v1/keys")
async def create_key(request: Request, state: State, principal: Auth) -> JsonResponse:
    body = await read_model(request, KeyCreate, 64 * 1024)
    created = await call(
        state.clients.ledger.CreateKey(create_request(principal.tenant_id, body), timeout=5)
    )
    return JsonResponse(
        {**key_json(created.key, _now_ms()), "key": created.secret}, status_code=201
    )


@router.get("/v1/keys")
async def list_keys(state: State, principal: Auth) -> JsonResponse:
    resp = await call(
        state.clients.ledger.ListKeys(
            ledger_pb2.ListKeysRequest(tenant_id=principal.tenant_id), timeout=5
        )
    )
    now = _now_ms()
    return JsonResponse({"object": "list", "data": [key_json(k, now) for k in resp.keys]})


@router.patch("/v1/keys/{key_id}")
async def update_key(key_id: str, request: Request, state: State, principal: Auth) -> JsonResponse:
    body = await read_model(request, KeyPatch, 64 * 1024)
    updated = await call(
        state.clients.ledger.UpdateKey(update_request(principal.tenant_id, key_id, body), timeout=5)
    )
    return JsonResponse(key_json(updated, _now_ms()))


@router.delete("/v1/keys/{key_id}")
async def revoke_key(key_id: str, state: State, principal: Auth) -> JsonResponse:
    await call(
        state.clients.ledger.RevokeKey(
            ledger_pb2.RevokeKeyRequest(tenant_id=principal.tenant_id, key_id=key_id), timeout=5
        )
    )
    return JsonResponse({"id": key_id, "object": "api_key", "deleted": True, "revoked": True})
