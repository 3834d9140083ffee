"""Stripe Checkout, the pure parts: amount bounds, session parameters, and which verified
webhook event credits whom and how much. No I/O.

Money: Stripe counts USD in cents; the ledger in nano-USD. 1 cent = 10^7 nano, exactly."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tokaroo_common.errors import InvalidRequest
from tokaroo_common.money import format_usd, usd_to_nano

CURRENCY = "usd"
NANO_PER_CENT = 10_000_000
MAX_IDEMPOTENCY_KEY = 200  # Stripe allows 255; the tenant-scoped prefix takes the rest
PRODUCT_NAME = "Tokaroo credits"

# Events that may credit: a card payment completes paid; a delayed method (bank debit)
# completes unpaid and later succeeds.
CREDIT_EVENTS = frozenset(
    {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
)


@dataclass(frozen=True)
class Credit:
    """A paid Checkout Session to credit once: cause = the event, uniqueness = the session."""

    event_id: str
    event_type: str
    session_id: str
    tenant_id: uuid.UUID
    amount_nano: int


@dataclass(frozen=True)
class WebhookEvent:
    """A verified event: its id and type, and the credit it carries (None: nothing to credit)."""

    event_id: str
    event_type: str
    credit: Credit | None


def checkout_cents(amount_nano: int, min_usd: Decimal, max_usd: Decimal) -> int:
    """The checkout amount in cents: whole cents, within [min_usd, max_usd]."""
    low, high = usd_to_nano(min_usd), usd_to_nano(max_usd)
    if not low <= amount_nano <= high:
        raise InvalidRequest(
            f"amount_usd must be between {_usd(low)} and {_usd(high)}.", param="amount_usd"
        )
    cents, rest = divmod(amount_nano, NANO_PER_CENT)
    if rest:
        raise InvalidRequest("amount_usd must be a whole number of cents.", param="amount_usd")
    return cents


def _usd(nano: int) -> str:
    return format_usd(nano).rstrip("0").rstrip(".")


def idempotency_key(tenant_id: uuid.UUID, key: str) -> str:
    """Stripe idempotency keys are account-wide: scope the caller's key to its tenant."""
    key = key.strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY:
        raise InvalidRequest(
            f"The idempotency key must have 1 to {MAX_IDEMPOTENCY_KEY} characters.",
            param="idempotency_key",
        )
    return f"tokaroo-checkout:{tenant_id}:{key}"


def session_params(
    tenant_id: uuid.UUID, cents: int, success_url: str, cancel_url: str
) -> dict[str, Any]:
    """Parameters of a one-off payment Checkout Session carrying the tenant twice: in the
    metadata and as client_reference_id."""
    tenant = str(tenant_id)
    return {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": CURRENCY,
                    "unit_amount": cents,
                    "product_data": {"name": PRODUCT_NAME},
                },
            }
        ],
        "client_reference_id": tenant,
        "metadata": {"tenant_id": tenant},
        "payment_intent_data": {"metadata": {"tenant_id": tenant}},
        "success_url": success_url,
        "cancel_url": cancel_url,
    }


def parse_event(event: Any) -> WebhookEvent:
    """Map a verified Stripe event (the parsed JSON body) to what the ledger must do.

    Credits only a Checkout Session in payment mode, in USD, with payment_status "paid",
    delivered as checkout.session.completed or checkout.session.async_payment_succeeded.
    A session that is not paid yet, or any other event type, credits nothing. Malformed
    events, and paid sessions without a valid tenant or amount, raise InvalidRequest."""
    if not isinstance(event, Mapping):
        raise InvalidRequest("Malformed webhook payload: expected a JSON object.")
    event_id, event_type = event.get("id"), event.get("type")
    if not isinstance(event_id, str) or not event_id or not isinstance(event_type, str):
        raise InvalidRequest("Malformed webhook payload: an event needs an id and a type.")
    if event_type not in CREDIT_EVENTS:
        return WebhookEvent(event_id, event_type, None)
    data = event.get("data")
    session = data.get("object") if isinstance(data, Mapping) else None
    if not isinstance(session, Mapping) or session.get("object") != "checkout.session":
        raise InvalidRequest("Malformed webhook payload: expected a Checkout Session.")
    if session.get("payment_status") != "paid" or session.get("mode") != "payment":
        return WebhookEvent(event_id, event_type, None)
    session_id = session.get("id")
    if not isinstance(session_id, str) or not session_id:
        raise InvalidRequest("Malformed webhook payload: the session has no id.")
    if session.get("currency") != CURRENCY:
        raise InvalidRequest(f"Checkout Session {session_id} is not in USD.")
    cents = session.get("amount_total")
    if type(cents) is not int or cents <= 0:
        raise InvalidRequest(f"Checkout Session {session_id} has no positive amount_total.")
    credit = Credit(
        event_id, event_type, session_id, session_tenant(session), cents * NANO_PER_CENT
    )
    return WebhookEvent(event_id, event_type, credit)


def session_tenant(session: Mapping[str, Any]) -> uuid.UUID:
    """The tenant of a session: metadata.tenant_id and/or client_reference_id, which must
    agree when both are present."""
    metadata = session.get("metadata")
    from_metadata = metadata.get("tenant_id") if isinstance(metadata, Mapping) else None
    from_reference = session.get("client_reference_id")
    found = {v for v in (from_metadata, from_reference) if v}
    if len(found) != 1:
        raise InvalidRequest("The Checkout Session names no tenant, or two different ones.")
    value = found.pop()
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise InvalidRequest("The Checkout Session names an invalid tenant id.") from None
