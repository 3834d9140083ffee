"""The SDK's key controls and usage filters on httpx.MockTransport: bodies, PATCH semantics
(left out = unchanged, None = cleared), query parameters, the budget error."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from tokaroo import AsyncTokaroo, RateLimitError, Tokaroo

KEY = {
    "id": "k1",
    "object": "api_key",
    "name": "ci",
    "prefix": "tok_abc",
    "rpm": 60,
    "tpm": None,
    "budget_usd": 5.0,
    "budget_usd_exact": "5.000000000",
    "budget_period": "day",
    "spend_usd": 1.25,
    "spend_usd_exact": "1.250000000",
    "budget_resets_at": "2026-12-02T00:00:00Z",
    "allowed_models": ["auto"],
    "expires_at": None,
    "expired": False,
}


def _recorder(seen: list[tuple[str, str, Any]]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        seen.append((request.method, str(request.url.copy_with(scheme="https")), body))
        if request.url.path.endswith("/usage/summary"):
            return httpx.Response(
                200,
                json={
                    "object": "usage.summary",
                    "requests": 3,
                    "saved_usd": 0.5,
                    "data": [{"date": "2026-12-01", "requests": 3, "by_tier": {"instant": 3}}],
                },
            )
        if request.url.path.endswith("/usage"):
            return httpx.Response(200, json={"object": "list", "data": [], "has_more": False})
        if request.url.path.endswith("/chat/completions"):
            return httpx.Response(
                429,
                json={
                    "error": {
                        "message": "This API key's daily budget ...",
                        "type": "insufficient_quota",
                        "param": None,
                        "code": "key_budget_exceeded",
                    }
                },
            )
        return httpx.Response(
            201 if request.method == "POST" else 200, json={**KEY, "key": "tok_secret"}
        )

    return httpx.MockTransport(handler)


def test_create_update_and_list_carry_the_controls() -> None:
    seen: list[tuple[str, str, Any]] = []
    client = Tokaroo(
        api_key="tok_x",
        base_url="https://gw.example/v1",
        max_retries=0,
        http_client=httpx.Client(transport=_recorder(seen)),
    )
    created = client.keys.create(
        "ci",
        budget_usd=Decimal("5"),
        budget_period="day",
        rpm=60,
        allowed_models=["auto"],
        expires_at=datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert created.key == "tok_secret" and created.spend_usd == 1.25
    assert created.budget_resets_at == "2026-12-02T00:00:00Z"
    client.keys.update("k1", budget_usd=None, tpm=1000)
    client.keys.create("plain")
    assert seen[0][2] == {
        "name": "ci",
        "budget_usd": "5",
        "budget_period": "day",
        "rpm": 60,
        "allowed_models": ["auto"],
        "expires_at": "2027-01-01T00:00:00+00:00",
    }
    assert seen[1][:2] == ("PATCH", "https://gw.example/v1/keys/k1")
    assert seen[1][2] == {"budget_usd": None, "tpm": 1000}
    assert seen[2][2] == {"name": "plain"}


def test_usage_filters_and_summary() -> None:
    seen: list[tuple[str, str, Any]] = []
    client = Tokaroo(
        api_key="tok_x",
        base_url="https://gw.example/v1",
        max_retries=0,
        http_client=httpx.Client(transport=_recorder(seen)),
    )
    client.usage.list(key_id="k1", cache="exact", since="2026-12-01", limit=10)
    summary = client.usage.summary(key_id="k1")
    assert summary.requests == 3 and summary.data[0].by_tier == {"instant": 3}
    url = httpx.URL(seen[0][1])
    assert dict(url.params) == {
        "key_id": "k1",
        "cache": "exact",
        "since": "2026-12-01",
        "limit": "10",
    }
    assert httpx.URL(seen[1][1]).path == "/v1/usage/summary"


def test_a_spent_budget_raises_rate_limit_error_with_its_code() -> None:
    client = Tokaroo(
        api_key="tok_x",
        base_url="https://gw.example/v1",
        max_retries=0,
        http_client=httpx.Client(transport=_recorder([])),
    )
    with pytest.raises(RateLimitError) as info:
        client.chat.completions.create(model="auto", messages=[{"role": "user", "content": "hi"}])
    assert info.value.code == "key_budget_exceeded"


def test_async_keys_and_usage() -> None:
    seen: list[tuple[str, str, Any]] = []

    async def run() -> None:
        async with AsyncTokaroo(
            api_key="tok_x",
            base_url="https://gw.example/v1",
            http_client=httpx.AsyncClient(transport=_recorder(seen)),
        ) as c:
            await c.keys.create("a", budget_usd="0.5", budget_period="total")
            await c.keys.update("k1", allowed_models=None)
            await c.usage.summary()

    asyncio.run(run())
    assert seen[0][2] == {"name": "a", "budget_usd": "0.5", "budget_period": "total"}
    assert seen[1][2] == {"allowed_models": None}
