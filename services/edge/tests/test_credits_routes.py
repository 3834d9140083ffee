"""The billing routes over a fake ledger stub: what they send to the ledger and what they
answer (the ledger's own behaviour is tested in services/ledger/tests/test_stripe.py)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from tokaroo_common.errors import AuthenticationFailed, InvalidRequest
from tokaroo_edge import errors
from tokaroo_edge.auth import Principal
from tokaroo_edge.deps import get_principal
from tokaroo_edge.request_id import RequestIdMiddleware
from tokaroo_edge.routes.credits import router
from tokaroo_proto.ledger.v1 import ledger_pb2

TENANT = "0190f1e2-0000-7000-8000-000000000001"


class FakeLedger:
    def __init__(self) -> None:
        self.checkouts: list[ledger_pb2.CreateCheckoutRequest] = []
        self.webhooks: list[ledger_pb2.StripeWebhookRequest] = []

    async def CreateCheckout(
        self, request: ledger_pb2.CreateCheckoutRequest, **_: Any
    ) -> ledger_pb2.CheckoutSession:
        self.checkouts.append(request)
        return ledger_pb2.CheckoutSession(id="cs_test_1", url="https://pay.test/cs_test_1")

    async def HandleStripeWebhook(
        self, request: ledger_pb2.StripeWebhookRequest, **_: Any
    ) -> ledger_pb2.StripeWebhookResponse:
        self.webhooks.append(request)
        if request.signature != "t=1,v1=good":
            raise InvalidRequest("Invalid Stripe signature.")
        return ledger_pb2.StripeWebhookResponse(credited=True, tenant_id=TENANT)


async def fake_principal(request: Request) -> Principal:
    if request.headers.get("authorization") != "Bearer tok_good":
        raise AuthenticationFailed("Invalid API key.")
    return Principal(tenant_id=TENANT, key_id="k1")


@pytest.fixture
def ledger() -> FakeLedger:
    return FakeLedger()


@pytest.fixture
def client(ledger: FakeLedger) -> httpx.AsyncClient:
    app = FastAPI()
    errors.install(app)
    app.include_router(router)
    app.add_middleware(RequestIdMiddleware)
    app.dependency_overrides[get_principal] = fake_principal
    app.state.edge = SimpleNamespace(clients=SimpleNamespace(ledger=ledger))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://edge")


AUTH = {"authorization": "Bearer tok_good"}


async def test_checkout(client: httpx.AsyncClient, ledger: FakeLedger) -> None:
    resp = await client.post(
        "/v1/billing/checkout",
        json={"amount_usd": 25.1},
        headers={**AUTH, "idempotency-key": "abc"},
    )
    assert resp.status_code == 200
    assert resp.json() == {
        "object": "checkout.session",
        "id": "cs_test_1",
        "url": "https://pay.test/cs_test_1",
    }
    [sent] = ledger.checkouts
    assert (sent.tenant_id, sent.amount_nano, sent.idempotency_key) == (
        TENANT,
        25_100_000_000,
        "abc",
    )


async def test_checkout_key_defaults_to_the_request_id(
    client: httpx.AsyncClient, ledger: FakeLedger
) -> None:
    resp = await client.post("/v1/billing/checkout", json={"amount_usd": 10}, headers=AUTH)
    assert resp.status_code == 200
    assert ledger.checkouts[0].idempotency_key == f"request:{resp.headers['x-request-id']}"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"amount_usd": "ten"},
        {"amount_usd": True},
        {"amount_usd": -5},
        {"amount_usd": 0},
        {"amount_usd": None},
    ],
)
async def test_checkout_rejects_bad_amounts(
    client: httpx.AsyncClient, ledger: FakeLedger, body: dict[str, Any]
) -> None:
    resp = await client.post("/v1/billing/checkout", json=body, headers=AUTH)
    assert resp.status_code == 400
    assert resp.json()["error"]["type"] == "invalid_request_error"
    assert ledger.checkouts == []


async def test_checkout_needs_a_key(client: httpx.AsyncClient, ledger: FakeLedger) -> None:
    resp = await client.post("/v1/billing/checkout", json={"amount_usd": 10})
    assert resp.status_code == 401
    assert ledger.checkouts == []


async def test_webhook_passes_raw_body_and_signature(
    client: httpx.AsyncClient, ledger: FakeLedger
) -> None:
    raw = b'{"id": "evt_1",\n  "type": "checkout.session.completed"}'
    resp = await client.post(
        "/v1/billing/webhook", content=raw, headers={"stripe-signature": "t=1,v1=good"}
    )
    assert resp.status_code == 200
    assert resp.json()["received"] is True
    assert ledger.webhooks[0].payload == raw  # byte for byte
    bad = await client.post(
        "/v1/billing/webhook", content=raw, headers={"stripe-signature": "t=1,v1=forged"}
    )
    assert bad.status_code == 400
    missing = await client.post("/v1/billing/webhook", content=raw)
    assert missing.status_code == 400
    assert ledger.webhooks[2].signature == ""


async def test_webhook_body_limit(client: httpx.AsyncClient, ledger: FakeLedger) -> None:
    resp = await client.post(
        "/v1/billing/webhook",
        content=b"x" * (1024 * 1024 + 1),
        headers={"stripe-signature": "t=1,v1=good"},
    )
    assert resp.status_code == 413
    assert ledger.webhooks == []
