"""The Stripe RPCs of the LedgerService (CreateCheckout, HandleStripeWebhook), behind one
class the servicer delegates to. Raises Tokaroo errors; the servicer's `@rpc` maps them.

Checkout Sessions are created with the official `stripe` library and an idempotency key scoped
to the tenant. Its blocking `requests` client runs in a worker thread: the library's async
httpx client passes the body as `data=` bytes, deprecated by httpx (a DeprecationWarning on
every call, an error once httpx drops it), and checkouts are few. Webhooks are verified with
the library's signature check (HMAC-SHA256 with the endpoint secret, timestamp tolerance)
before anything is read."""

from __future__ import annotations

import asyncio
import json
import logging

import asyncpg  # type: ignore[import-untyped]
import stripe
from tokaroo_common.errors import (
    InvalidRequest,
    NotConfigured,
    NotFound,
    ServiceUnavailable,
    UpstreamError,
)
from tokaroo_common.money import usd_to_nano
from tokaroo_proto.ledger.v1 import ledger_pb2

from tokaroo_ledger import stripe_billing
from tokaroo_ledger.models import parse_id
from tokaroo_ledger.stripe_config import StripeSettings
from tokaroo_ledger.stripe_repo import StripeEventRepository

log = logging.getLogger(__name__)

NOT_CONFIGURED = "Billing not configured: this server has no Stripe keys."
MAX_URL = 2048


class StripeRpcs:
    """Create with the pool and settings; `await aclose()` on shutdown."""

    def __init__(self, pool: asyncpg.Pool, settings: StripeSettings) -> None:
        self._settings = settings
        self._events = StripeEventRepository(pool)
        self._http: stripe.RequestsClient | None = None
        self._client: stripe.StripeClient | None = None
        key = settings.secret_key
        if key is not None:
            self._http = stripe.RequestsClient(timeout=settings.stripe_timeout_s)
            api_base = settings.stripe_api_base
            self._client = stripe.StripeClient(
                key,
                base_addresses={"api": api_base} if api_base else {},
                http_client=self._http,
                max_network_retries=2,
            )

    async def aclose(self) -> None:
        if self._http is not None:
            self._http.close()  # type: ignore[no-untyped-call]

    def billing_config(self) -> ledger_pb2.BillingConfig:
        s = self._settings
        return ledger_pb2.BillingConfig(
            configured=self._client is not None,
            min_nano=usd_to_nano(s.billing_min_usd),
            max_nano=usd_to_nano(s.billing_max_usd),
        )

    async def create_checkout(
        self, request: ledger_pb2.CreateCheckoutRequest
    ) -> ledger_pb2.CheckoutSession:
        if self._client is None:
            raise NotConfigured(NOT_CONFIGURED)
        s = self._settings
        cents = stripe_billing.checkout_cents(
            request.amount_nano, s.billing_min_usd, s.billing_max_usd
        )
        tenant_id = parse_id(request.tenant_id)
        if tenant_id is None or not await self._events.tenant_exists(tenant_id):
            raise NotFound("Tenant not found.")
        key = stripe_billing.idempotency_key(tenant_id, request.idempotency_key)
        params = stripe_billing.session_params(
            tenant_id,
            cents,
            _url(request.success_url, s.billing_success_url, "success_url"),
            _url(request.cancel_url, s.billing_cancel_url, "cancel_url"),
        )
        try:
            session = await asyncio.to_thread(
                self._client.v1.checkout.sessions.create,
                params,  # type: ignore[arg-type]
                {"idempotency_key": key},
            )
        except stripe.IdempotencyError as exc:
            raise InvalidRequest(
                "This idempotency key was already used for another checkout.",
                param="idempotency_key",
            ) from exc
        except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
            log.warning("stripe unavailable", extra={"error": repr(exc)})
            raise ServiceUnavailable("The payment provider is unavailable. Please retry.") from exc
        except stripe.StripeError as exc:
            log.error("stripe checkout failed", extra={"error": repr(exc)})
            raise UpstreamError("The payment provider refused the checkout.") from exc
        if not session.id or not session.url:
            raise UpstreamError("The payment provider returned no checkout URL.")
        log.info(
            "checkout created",
            extra={"tenant_id": str(tenant_id), "session": session.id, "cents": cents},
        )
        return ledger_pb2.CheckoutSession(id=session.id, url=session.url)

    async def handle_webhook(
        self, request: ledger_pb2.StripeWebhookRequest
    ) -> ledger_pb2.StripeWebhookResponse:
        secret = self._settings.webhook_secret
        if secret is None:
            raise NotConfigured(NOT_CONFIGURED)
        try:
            stripe.WebhookSignature.verify_header(
                request.payload,
                request.signature,
                secret,
                self._settings.stripe_webhook_tolerance_s,
            )
        except stripe.SignatureVerificationError as exc:
            raise InvalidRequest(f"Invalid Stripe signature: {exc.user_message}") from exc
        except UnicodeDecodeError as exc:
            raise InvalidRequest("Malformed webhook payload: not UTF-8.") from exc
        try:
            body = json.loads(request.payload)
        except ValueError as exc:
            raise InvalidRequest("Malformed webhook payload: not JSON.") from exc
        event = stripe_billing.parse_event(body)
        credit = event.credit
        if credit is None:
            await self._events.record(event.event_id, event.event_type)
            return ledger_pb2.StripeWebhookResponse(credited=False, event_type=event.event_type)
        outcome = await self._events.credit(credit)
        if outcome is None:
            raise InvalidRequest(f"Checkout Session {credit.session_id} names an unknown tenant.")
        log.info(
            "stripe event",
            extra={
                "event": credit.event_id,
                "session": credit.session_id,
                "tenant_id": str(credit.tenant_id),
                "credited": outcome.credited,
            },
        )
        return ledger_pb2.StripeWebhookResponse(
            credited=outcome.credited,
            tenant_id=str(credit.tenant_id),
            amount_nano=credit.amount_nano if outcome.credited else 0,
            event_type=event.event_type,
        )


def _url(value: str, default: str, field: str) -> str:
    url = value.strip() or default
    if len(url) > MAX_URL or not url.startswith(("https://", "http://")):
        raise InvalidRequest(f"{field} must be an http(s) URL.", param=field)
    return url
