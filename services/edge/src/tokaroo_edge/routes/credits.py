"""Buying credits: a Stripe Checkout Session for the tenant, and Stripe's webhook.

The ledger owns Stripe (keys, amount bounds, signature check, the exactly-once credit); the
edge authenticates the tenant and passes the webhook's raw body and signature through."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from tokaroo_common.errors import InvalidRequest, PayloadTooLarge
from tokaroo_common.money import usd_to_nano
from tokaroo_proto.ledger.v1 import ledger_pb2

from tokaroo_edge.body import read_model
from tokaroo_edge.deps import Auth, State
from tokaroo_edge.internal import call
from tokaroo_edge.key_api import usd_number
from tokaroo_edge.responses import JsonResponse

router = APIRouter()

MAX_WEBHOOK_BYTES = 1024 * 1024
MAX_IDEMPOTENCY_KEY = 200
STRIPE_TIMEOUT_S = 30


class CheckoutRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # A JSON number (or a decimal string), kept exact; the ledger enforces the bounds.
    amount_usd: Decimal = Field(allow_inf_nan=False, gt=0, le=10**9)


def idempotency_key(request: Request) -> str:
    """The client's Idempotency-Key header, else one derived from this request's id."""
    header = (request.headers.get("idempotency-key") or "").strip()
    if len(header) > MAX_IDEMPOTENCY_KEY:
        raise InvalidRequest(
            f"Idempotency-Key is longer than {MAX_IDEMPOTENCY_KEY} characters.",
            param="Idempotency-Key",
        )
    return header or f"request:{request.state.request_id}"


@router.post("/v1/billing/checkout")
async def create_checkout(request: Request, state: State, principal: Auth) -> JsonResponse:
    body = await read_model(request, CheckoutRequest, 16 * 1024)
    session = await call(
        state.clients.ledger.CreateCheckout(
            ledger_pb2.CreateCheckoutRequest(
                tenant_id=principal.tenant_id,
                amount_nano=usd_to_nano(body.amount_usd),
                idempotency_key=idempotency_key(request),
            ),
            timeout=STRIPE_TIMEOUT_S,
        )
    )
    return JsonResponse({"object": "checkout.session", "id": session.id, "url": session.url})


@router.get("/v1/billing/config")
async def billing_config(state: State, principal: Auth) -> JsonResponse:
    """Whether credits can be bought here (Stripe configured) and the amounts accepted."""
    config = await call(
        state.clients.ledger.GetBillingConfig(ledger_pb2.GetBillingConfigRequest(), timeout=5)
    )
    return JsonResponse(
        {
            "object": "billing.config",
            "configured": config.configured,
            "min_usd": usd_number(config.min_nano),
            "max_usd": usd_number(config.max_nano),
        }
    )


@router.post("/v1/billing/webhook")
async def stripe_webhook(request: Request, state: State) -> JsonResponse:
    """No API key: Stripe authenticates by signing the raw body (checked by the ledger).
    200 for a credit, a duplicate or an ignored event type; 400 for a bad signature."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_WEBHOOK_BYTES:
        raise PayloadTooLarge(f"Request body larger than {MAX_WEBHOOK_BYTES} bytes.")
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_WEBHOOK_BYTES:
            raise PayloadTooLarge(f"Request body larger than {MAX_WEBHOOK_BYTES} bytes.")
    result = await call(
        state.clients.ledger.HandleStripeWebhook(
            ledger_pb2.StripeWebhookRequest(
                payload=bytes(raw), signature=request.headers.get("stripe-signature", "")
            ),
            timeout=10,
        )
    )
    return JsonResponse({"received": True, "credited": result.credited})
