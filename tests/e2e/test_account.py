"""Balance, holds, keys, usage and rate limits through plain HTTP and the openai SDK."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import httpx
import openai
import pytest

from tests.harness import Stack


def _h(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _chat(stack: Stack, key: str, content: str, **extra: object) -> httpx.Response:
    return httpx.post(
        f"{stack.base_url}/chat/completions",
        headers=_h(key),
        timeout=30,
        json={"model": "auto", "messages": [{"role": "user", "content": content}], **extra},
    )


def test_keys_create_list_revoke_via_openai_raw_helpers(stack: Stack) -> None:
    key = stack.new_tenant_key("1")
    client = openai.OpenAI(base_url=stack.base_url, api_key=key, max_retries=0)
    created = client.post("/keys", body={"name": "production"}, cast_to=httpx.Response).json()
    assert created["key"].startswith("tok_") and created["name"] == "production"
    listed = client.get("/keys", cast_to=httpx.Response).json()["data"]
    assert {k["id"] for k in listed} >= {created["id"]}
    assert all("key" not in k and "hash" not in str(k) for k in listed)
    assert _chat(stack, created["key"], "new key works").status_code == 200
    client.delete(f"/keys/{created['id']}", cast_to=httpx.Response)
    time.sleep(1.2)  # the edge remembers a key for at most a second
    assert _chat(stack, created["key"], "revoked").status_code == 401


def test_tenant_isolation_on_every_account_endpoint(stack: Stack) -> None:
    a, b = stack.new_tenant_key("1"), stack.new_tenant_key("2")
    assert stack.balance(a) == Decimal("1") and stack.balance(b) == Decimal("2")
    a_keys = httpx.get(f"{stack.base_url}/keys", headers=_h(a)).json()["data"]
    b_keys = httpx.get(f"{stack.base_url}/keys", headers=_h(b)).json()["data"]
    assert not {k["id"] for k in a_keys} & {k["id"] for k in b_keys}
    resp = httpx.delete(f"{stack.base_url}/keys/{a_keys[0]['id']}", headers=_h(b))
    assert resp.status_code == 404
    assert _chat(stack, a, "still mine").status_code == 200
    time.sleep(0.5)
    usage_b = httpx.get(f"{stack.base_url}/usage", headers=_h(b)).json()["data"]
    assert usage_b == []


def test_usage_lists_requests_newest_first_without_model_names(stack: Stack) -> None:
    key = stack.new_tenant_key("1")
    for i in range(3):
        assert _chat(stack, key, f"usage row {i}").status_code == 200
    deadline = time.monotonic() + 15
    rows: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        rows = httpx.get(f"{stack.base_url}/usage", params={"limit": 2}, headers=_h(key)).json()[
            "data"
        ]
        if len(rows) == 2:
            break
        time.sleep(0.2)
    assert len(rows) == 2
    assert set(rows[0]) >= {
        "id",
        "tier",
        "input_tokens",
        "output_tokens",
        "charged_usd",
        "latency_ms",
        "created_at",
    }
    assert "model" not in str(rows) and "provider" not in str(rows)
    assert str(rows[0]["created_at"]) >= str(rows[1]["created_at"])


def test_402_when_the_balance_cannot_cover_the_hold(stack: Stack) -> None:
    key = stack.new_tenant_key("0.000001")
    resp = _chat(stack, key, "too expensive", max_tokens=30_000)
    assert resp.status_code == 402
    assert resp.json()["error"]["code"] == "insufficient_balance"


def test_concurrent_requests_never_overdraw_by_more_than_one_request(stack: Stack) -> None:
    key = stack.new_tenant_key("0.003")

    async def run() -> list[int]:
        async with httpx.AsyncClient(
            timeout=60, limits=httpx.Limits(max_connections=200)
        ) as client:

            async def one(i: int) -> int:
                r = await client.post(
                    f"{stack.base_url}/chat/completions",
                    headers=_h(key),
                    json={
                        "model": "auto",
                        "max_tokens": 64,
                        "messages": [{"role": "user", "content": f"drain {i}"}],
                    },
                )
                return r.status_code

            return await asyncio.gather(*(one(i) for i in range(200)))

    codes = asyncio.run(run())
    assert set(codes) <= {200, 402}
    assert 402 in codes and 200 in codes
    time.sleep(3)
    assert stack.balance(key) >= Decimal("-0.0006")  # at most one request's worth


def test_rate_limit_per_key(stack: Stack) -> None:
    owner = stack.new_tenant_key("1")
    limited = stack.new_key(owner, rpm=3)
    codes = [_chat(stack, limited, f"rl {i}").status_code for i in range(4)]
    assert codes[:3] == [200, 200, 200]
    assert codes[3] == 429
    resp = _chat(stack, limited, "again")
    assert resp.status_code == 429 and int(resp.headers["retry-after"]) >= 1
    assert resp.json()["error"]["type"] == "rate_limit_error"
    assert _chat(stack, owner, "other keys are not limited").status_code == 200


@pytest.mark.parametrize("path", ["/balance", "/usage", "/keys", "/models"])
def test_every_endpoint_refuses_bad_keys(stack: Stack, path: str) -> None:
    for headers in [{}, {"Authorization": "Bearer nope"}, {"Authorization": "tok_x"}]:
        resp = httpx.get(f"{stack.base_url}{path}", headers=headers)
        assert resp.status_code == 401
        assert resp.json()["error"]["type"] == "authentication_error"
