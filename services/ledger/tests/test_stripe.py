"""Stripe billing against real PostgreSQL and the real `stripe` library, which talks to a local
fake of Stripe's HTTP API (its api_base). Webhooks are signed the way Stripe signs them."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest
from tokaroo_common.errors import InvalidRequest, NotConfigured, NotFound, UpstreamError
from tokaroo_ledger import key_secrets, stripe_billing
from tokaroo_ledger.repository import LedgerRepository
from tokaroo_ledger.stripe_config import StripeSettings
from tokaroo_ledger.stripe_rpcs import StripeRpcs
from tokaroo_proto.ledger.v1 import ledger_pb2

SECRET_KEY = "sk_test_tokaroo"
WEBHOOK_SECRET = "whsec_test_tokaroo"
USD = 1_000_000_000


# ---- a fake of Stripe's HTTP API ------------------------------------------------------------


@dataclass
class FakeStripe:
    """POST /v1/checkout/sessions, with Stripe's idempotency semantics (same key and same
    parameters: the same session; same key, other parameters: idempotency_error)."""

    base: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    by_key: dict[str, tuple[dict[str, str], dict[str, Any]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(
        self, path: str, headers: dict[str, str], form: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.requests.append({"path": path, "headers": headers, "form": form})
            if headers.get("authorization") != f"Bearer {SECRET_KEY}":
                return 401, {
                    "error": {
                        "type": "invalid_request_error",
                        "message": "Invalid API Key provided",
                    }
                }
            if path != "/v1/checkout/sessions":
                return 404, {
                    "error": {
                        "type": "invalid_request_error",
                        "message": "Unrecognized request URL",
                    }
                }
            key = headers.get("idempotency-key", "")
            if key in self.by_key:
                seen, session = self.by_key[key]
                if seen != form:
                    return 400, {
                        "error": {
                            "type": "idempotency_error",
                            "message": "Keys for idempotent requests can only "
                            "be used with the same parameters",
                        }
                    }
                return 200, session
            sid = f"cs_test_{uuid.uuid4().hex}"
            session = {
                "id": sid,
                "object": "checkout.session",
                "mode": form.get("mode"),
                "url": f"https://checkout.stripe.test/c/pay/{sid}",
                "amount_total": int(form["line_items[0][price_data][unit_amount]"]),
                "currency": form["line_items[0][price_data][currency]"],
                "client_reference_id": form.get("client_reference_id"),
                "metadata": {"tenant_id": form.get("metadata[tenant_id]")},
                "payment_status": "unpaid",
                "status": "open",
            }
            self.by_key[key] = (form, session)
            return 200, session


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    fake = FakeStripe()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, payload = fake.handle(
                self.path, headers, dict(parse_qsl(body.decode(), keep_blank_values=True))
            )
            raw = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def settings(
    api_base: str | None,
    *,
    secret_key: str | None = SECRET_KEY,
    webhook_secret: str | None = WEBHOOK_SECRET,
) -> StripeSettings:
    return StripeSettings(
        stripe_secret_key=secret_key,
        stripe_webhook_secret=webhook_secret,
        stripe_api_base=api_base,
        billing_min_usd=Decimal(5),
        billing_max_usd=Decimal(10_000),
    )


@pytest.fixture
async def rpcs(repo: LedgerRepository, fake_stripe: FakeStripe) -> AsyncIterator[StripeRpcs]:
    service = StripeRpcs(repo.pool, settings(fake_stripe.base))
    try:
        yield service
    finally:
        await service.aclose()


async def new_tenant(repo: LedgerRepository) -> uuid.UUID:
    tenant, _, _ = await repo.create_tenant(
        "acme", 0, "default", key_secrets.generate_secret(), pinned=False
    )
    return tenant.id


def checkout(
    tenant_id: uuid.UUID | str, usd: str, key: str = "key-1"
) -> ledger_pb2.CreateCheckoutRequest:
    return ledger_pb2.CreateCheckoutRequest(
        tenant_id=str(tenant_id), amount_nano=int(Decimal(usd) * USD), idempotency_key=key
    )


# ---- webhooks signed like Stripe ------------------------------------------------------------


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def session_event(
    tenant_id: uuid.UUID | str | None,
    *,
    cents: int = 2500,
    event_id: str | None = None,
    session_id: str = "cs_test_1",
    event_type: str = "checkout.session.completed",
    payment_status: str = "paid",
) -> bytes:
    session: dict[str, Any] = {
        "id": session_id,
        "object": "checkout.session",
        "mode": "payment",
        "amount_total": cents,
        "currency": "usd",
        "payment_status": payment_status,
        "status": "complete",
        "client_reference_id": None if tenant_id is None else str(tenant_id),
        "metadata": {} if tenant_id is None else {"tenant_id": str(tenant_id)},
    }
    event = {
        "id": event_id or f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "type": event_type,
        "api_version": "2024-06-20",
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": session},
    }
    return json.dumps(event, indent=2).encode()


def webhook(payload: bytes, signature: str | None = None) -> ledger_pb2.StripeWebhookRequest:
    return ledger_pb2.StripeWebhookRequest(
        payload=payload, signature=sign(payload) if signature is None else signature
    )


async def stripe_rows(repo: LedgerRepository) -> list[tuple[str, str | None, bool]]:
    rows = await repo.pool.fetch(
        "SELECT event_id, session_id, credited FROM stripe_events ORDER BY received_at, event_id"
    )
    return [(r["event_id"], r["session_id"], r["credited"]) for r in rows]


# ---- checkout -------------------------------------------------------------------------------


async def test_checkout_creates_a_session_for_the_tenant(
    repo: LedgerRepository, rpcs: StripeRpcs, fake_stripe: FakeStripe
) -> None:
    tenant = await new_tenant(repo)
    session = await rpcs.create_checkout(checkout(tenant, "25.50", key="req-1"))
    assert session.id.startswith("cs_test_")
    assert session.url == f"https://checkout.stripe.test/c/pay/{session.id}"
    [sent] = fake_stripe.requests
    assert sent["headers"]["idempotency-key"] == f"tokaroo-checkout:{tenant}:req-1"
    form = sent["form"]
    assert form["mode"] == "payment"
    assert form["line_items[0][price_data][unit_amount]"] == "2550"
    assert form["line_items[0][price_data][currency]"] == "usd"
    assert form["line_items[0][quantity]"] == "1"
    assert form["metadata[tenant_id]"] == str(tenant)
    assert form["client_reference_id"] == str(tenant)
    assert form["payment_intent_data[metadata][tenant_id]"] == str(tenant)
    assert form["success_url"].startswith("http")
    assert form["cancel_url"].startswith("http")


async def test_checkout_is_idempotent_per_key(
    repo: LedgerRepository, rpcs: StripeRpcs, fake_stripe: FakeStripe
) -> None:
    tenant = await new_tenant(repo)
    first = await rpcs.create_checkout(checkout(tenant, "10", key="k"))
    again = await rpcs.create_checkout(checkout(tenant, "10", key="k"))
    other = await rpcs.create_checkout(checkout(tenant, "10", key="k2"))
    assert first.id == again.id != other.id
    with pytest.raises(InvalidRequest, match="idempotency key"):
        await rpcs.create_checkout(checkout(tenant, "20", key="k"))
    # Another tenant's identical key is another Stripe idempotency key.
    second_tenant = await new_tenant(repo)
    assert (await rpcs.create_checkout(checkout(second_tenant, "10", key="k"))).id != first.id


@pytest.mark.parametrize("usd", ["4.99", "0", "-10", "10000.01", "1000000", "10.001"])
async def test_checkout_amount_bounds(
    repo: LedgerRepository, rpcs: StripeRpcs, fake_stripe: FakeStripe, usd: str
) -> None:
    tenant = await new_tenant(repo)
    with pytest.raises(InvalidRequest) as err:
        await rpcs.create_checkout(checkout(tenant, usd))
    assert err.value.param == "amount_usd"
    assert fake_stripe.requests == []


@pytest.mark.parametrize("usd", ["5", "10000", "123.45"])
async def test_checkout_accepts_bounds(
    repo: LedgerRepository, rpcs: StripeRpcs, fake_stripe: FakeStripe, usd: str
) -> None:
    tenant = await new_tenant(repo)
    await rpcs.create_checkout(checkout(tenant, usd))
    cents = fake_stripe.requests[0]["form"]["line_items[0][price_data][unit_amount]"]
    assert Decimal(cents) / 100 == Decimal(usd)


async def test_checkout_needs_a_known_tenant_and_a_key(
    repo: LedgerRepository, rpcs: StripeRpcs, fake_stripe: FakeStripe
) -> None:
    with pytest.raises(NotFound):
        await rpcs.create_checkout(checkout(uuid.uuid4(), "10"))
    with pytest.raises(NotFound):
        await rpcs.create_checkout(checkout("not-a-uuid", "10"))
    tenant = await new_tenant(repo)
    with pytest.raises(InvalidRequest):
        await rpcs.create_checkout(checkout(tenant, "10", key=""))
    assert fake_stripe.requests == []


async def test_checkout_with_a_key_stripe_refuses(
    repo: LedgerRepository, fake_stripe: FakeStripe
) -> None:
    service = StripeRpcs(repo.pool, settings(fake_stripe.base, secret_key="sk_test_wrong"))
    try:
        with pytest.raises(UpstreamError):
            await service.create_checkout(checkout(await new_tenant(repo), "10"))
    finally:
        await service.aclose()


async def test_billing_not_configured(
    repo: LedgerRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("TOKAROO_STRIPE_SECRET_KEY", "TOKAROO_STRIPE_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    service = StripeRpcs(repo.pool, StripeSettings())
    tenant = await new_tenant(repo)
    with pytest.raises(NotConfigured, match="(?i)billing not configured"):
        await service.create_checkout(checkout(tenant, "10"))
    with pytest.raises(NotConfigured, match="(?i)billing not configured"):
        await service.handle_webhook(webhook(session_event(tenant)))
    await service.aclose()
    # Blank values count as unset.
    blank = StripeRpcs(repo.pool, settings(None, secret_key=" ", webhook_secret=""))
    with pytest.raises(NotConfigured):
        await blank.create_checkout(checkout(tenant, "10"))
    with pytest.raises(NotConfigured):
        await blank.handle_webhook(webhook(session_event(tenant)))


# ---- webhooks -------------------------------------------------------------------------------


async def test_paid_session_credits_once(repo: LedgerRepository, rpcs: StripeRpcs) -> None:
    tenant = await new_tenant(repo)
    payload = session_event(tenant, cents=2550, event_id="evt_1")
    result = await rpcs.handle_webhook(webhook(payload))
    assert result.credited
    assert (result.tenant_id, result.amount_nano) == (str(tenant), 25_500_000_000)
    assert result.event_type == "checkout.session.completed"
    assert await repo.get_balance(tenant) == 25_500_000_000

    # The same event delivered again (a replay, freshly signed or not): nothing more.
    for signature in (sign(payload), None):
        again = await rpcs.handle_webhook(webhook(payload, signature))
        assert not again.credited and again.amount_nano == 0
    assert await repo.get_balance(tenant) == 25_500_000_000

    entries = await repo.pool.fetch(
        "SELECT kind, amount_nano, cause_id FROM ledger_entries WHERE tenant_id = $1", tenant
    )
    assert [tuple(e) for e in entries] == [("credit", 25_500_000_000, "evt_1")]
    assert await repo.reconcile() == []


async def test_another_event_for_the_same_session_credits_nothing(
    repo: LedgerRepository, rpcs: StripeRpcs
) -> None:
    tenant = await new_tenant(repo)
    assert (
        await rpcs.handle_webhook(
            webhook(session_event(tenant, event_id="evt_a", session_id="cs_same"))
        )
    ).credited
    for event_id, event_type in (
        ("evt_b", "checkout.session.completed"),
        ("evt_c", "checkout.session.async_payment_succeeded"),
    ):
        dup = await rpcs.handle_webhook(
            webhook(
                session_event(
                    tenant, event_id=event_id, session_id="cs_same", event_type=event_type
                )
            )
        )
        assert not dup.credited
    assert await repo.get_balance(tenant) == 25 * USD
    assert await stripe_rows(repo) == [
        ("evt_a", "cs_same", True),
        ("evt_b", "cs_same", False),
        ("evt_c", "cs_same", False),
    ]
    assert await repo.reconcile() == []


async def test_concurrent_duplicates_credit_once(repo: LedgerRepository, rpcs: StripeRpcs) -> None:
    tenant = await new_tenant(repo)
    same = session_event(tenant, event_id="evt_same", session_id="cs_race")
    payloads = [same] * 8 + [session_event(tenant, session_id="cs_race") for _ in range(8)]
    results = await asyncio.gather(*(rpcs.handle_webhook(webhook(p)) for p in payloads))
    assert sum(r.credited for r in results) == 1
    assert await repo.get_balance(tenant) == 25 * USD
    assert await repo.reconcile() == []


async def test_unpaid_session_credits_nothing_until_the_payment_succeeds(
    repo: LedgerRepository, rpcs: StripeRpcs
) -> None:
    tenant = await new_tenant(repo)
    unpaid = await rpcs.handle_webhook(
        webhook(session_event(tenant, session_id="cs_bank", payment_status="unpaid"))
    )
    assert not unpaid.credited
    assert await repo.get_balance(tenant) == 0
    paid = await rpcs.handle_webhook(
        webhook(
            session_event(
                tenant, session_id="cs_bank", event_type="checkout.session.async_payment_succeeded"
            )
        )
    )
    assert paid.credited and paid.amount_nano == 25 * USD
    assert await repo.get_balance(tenant) == 25 * USD


async def test_other_event_types_are_acknowledged_without_credit(
    repo: LedgerRepository, rpcs: StripeRpcs
) -> None:
    tenant = await new_tenant(repo)
    for event_type in (
        "checkout.session.expired",
        "checkout.session.async_payment_failed",
        "payment_intent.succeeded",
    ):
        result = await rpcs.handle_webhook(webhook(session_event(tenant, event_type=event_type)))
        assert not result.credited and result.event_type == event_type
    assert await repo.get_balance(tenant) == 0


async def test_bad_signatures_are_rejected(repo: LedgerRepository, rpcs: StripeRpcs) -> None:
    tenant = await new_tenant(repo)
    payload = session_event(tenant)
    tampered = payload.replace(b'"amount_total": 2500', b'"amount_total": 999999')
    assert tampered != payload
    stale = int(time.time()) - 301
    cases = {
        "forged": webhook(payload, sign(payload, secret="whsec_attacker")),
        "tampered": webhook(tampered, sign(payload)),
        "stale": webhook(payload, sign(payload, timestamp=stale)),
        "missing": webhook(payload, ""),
        "garbage": webhook(payload, "t=abc,v1=zz"),
        "no v1": webhook(payload, sign(payload).replace("v1=", "v0=")),
    }
    for name, request in cases.items():
        with pytest.raises(InvalidRequest, match="(?i)signature"):
            await rpcs.handle_webhook(request)
        assert await repo.get_balance(tenant) == 0, name
    assert await stripe_rows(repo) == []
    # Within the tolerance it is accepted.
    ok = await rpcs.handle_webhook(webhook(payload, sign(payload, timestamp=stale + 60)))
    assert ok.credited


async def test_malformed_payloads_are_rejected(repo: LedgerRepository, rpcs: StripeRpcs) -> None:
    tenant = await new_tenant(repo)
    bad_session = json.loads(session_event(tenant))
    bad_session["data"]["object"]["amount_total"] = "2500"
    other_currency = json.loads(session_event(tenant))
    other_currency["data"]["object"]["currency"] = "eur"
    for payload in (
        b"not json",
        b"[]",
        b"\xff\xfe",
        b'{"type": "x"}',
        b'{"id": "evt_x", "type": "checkout.session.completed", "data": {}}',
        json.dumps(bad_session).encode(),
        json.dumps(other_currency).encode(),
    ):
        with pytest.raises(InvalidRequest):
            await rpcs.handle_webhook(webhook(payload))
    assert await repo.get_balance(tenant) == 0
    assert await stripe_rows(repo) == []


async def test_unknown_or_missing_tenant_is_rejected(
    repo: LedgerRepository, rpcs: StripeRpcs
) -> None:
    with pytest.raises(InvalidRequest, match="unknown tenant"):
        await rpcs.handle_webhook(webhook(session_event(uuid.uuid4())))
    with pytest.raises(InvalidRequest, match="no tenant"):
        await rpcs.handle_webhook(webhook(session_event(None)))
    assert await stripe_rows(repo) == []
    assert await repo.reconcile() == []


async def test_checkout_then_webhook_end_to_end(
    repo: LedgerRepository, rpcs: StripeRpcs, fake_stripe: FakeStripe
) -> None:
    """The session the fake created, completed and delivered back: the tenant from its
    metadata, the amount from its amount_total."""
    tenant = await new_tenant(repo)
    created = await rpcs.create_checkout(checkout(tenant, "42.42"))
    session = dict(
        fake_stripe.by_key[f"tokaroo-checkout:{tenant}:key-1"][1],
        payment_status="paid",
        status="complete",
    )
    payload = json.dumps(
        {
            "id": "evt_e2e",
            "object": "event",
            "type": "checkout.session.completed",
            "data": {"object": session},
        }
    ).encode()
    result = await rpcs.handle_webhook(webhook(payload))
    assert result.credited and result.tenant_id == str(tenant)
    assert await repo.get_balance(tenant) == 42_420_000_000
    assert await stripe_rows(repo) == [("evt_e2e", created.id, True)]


# ---- the pure mapping -----------------------------------------------------------------------


def test_session_tenant_sources_must_agree() -> None:
    tenant = uuid.uuid4()
    assert stripe_billing.session_tenant({"client_reference_id": str(tenant)}) == tenant
    assert stripe_billing.session_tenant({"metadata": {"tenant_id": str(tenant)}}) == tenant
    with pytest.raises(InvalidRequest, match="two different"):
        stripe_billing.session_tenant(
            {"client_reference_id": str(tenant), "metadata": {"tenant_id": str(uuid.uuid4())}}
        )
    with pytest.raises(InvalidRequest, match="invalid tenant"):
        stripe_billing.session_tenant({"client_reference_id": "nope"})


def test_cents_to_nano_is_exact() -> None:
    event = json.loads(session_event(uuid.uuid4(), cents=1_000_001))
    credit = stripe_billing.parse_event(event).credit
    assert credit is not None and credit.amount_nano == 10_000_010_000_000  # $10,000.01
    assert stripe_billing.checkout_cents(12_340_000_000, Decimal(5), Decimal(100)) == 1234
