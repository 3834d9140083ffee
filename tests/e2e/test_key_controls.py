"""Keys with controls through HTTP: budgets with their period spend, rate limits, allowed
model values and expiry set by the API, enforced at admission; a budget holds exactly under
200 concurrent requests spread over two edge replicas; other tenants see none of it."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import httpx

from tests.harness import Stack, extra_edge


def _h(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _chat(base: str, key: str, content: str, model: str = "auto") -> httpx.Response:
    return httpx.post(
        f"{base}/chat/completions",
        headers=_h(key),
        timeout=60,
        json={"model": model, "max_tokens": 16, "messages": [{"role": "user", "content": content}]},
    )


def _poll(check: Callable[[], Any], timeout: float = 60.0) -> Any:
    """Until check() is truthy (bounded: the machine is shared, so the limit is generous)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def _create(stack: Stack, owner: str, **body: Any) -> dict[str, Any]:
    resp = httpx.post(f"{stack.base_url}/keys", headers=_h(owner), json=body, timeout=30)
    assert resp.status_code == 201, resp.text
    created: dict[str, Any] = resp.json()
    return created


def _listed(stack: Stack, owner: str, key_id: str) -> dict[str, Any] | None:
    keys = httpx.get(f"{stack.base_url}/keys", headers=_h(owner), timeout=30).json()["data"]
    return next((k for k in keys if k["id"] == key_id), None)


def test_controls_are_set_listed_patched_and_enforced(stack: Stack) -> None:
    owner = stack.new_tenant_key("5")
    key = _create(
        stack,
        owner,
        name="scoped",
        budget_usd="1.5",
        budget_period="day",
        rpm=100,
        allowed_models=["auto", "fast"],
    )
    assert key["key"].startswith("tok_") and key["budget_usd"] == 1.5
    listed = _listed(stack, owner, key["id"])
    assert listed is not None and "key" not in listed
    assert listed["budget_period"] == "day" and listed["rpm"] == 100
    assert listed["allowed_models"] == ["auto", "fast"] and listed["spend_usd"] == 0
    assert listed["budget_resets_at"].endswith("T00:00:00Z")

    assert _chat(stack.base_url, key["key"], "allowed").status_code == 200
    denied = _chat(stack.base_url, key["key"], "not allowed", model="max")
    assert denied.status_code == 403
    assert denied.json()["error"]["type"] == "permission_error"

    patched = httpx.patch(
        f"{stack.base_url}/keys/{key['id']}",
        headers=_h(owner),
        timeout=30,
        json={"allowed_models": None, "rpm": 1, "budget_usd": None},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["allowed_models"] is None and patched.json()["budget_usd"] is None
    assert patched.json()["rpm"] == 1 and patched.json()["budget_period"] == "day"
    # The edge remembers a key for at most a second: poll until the new limits apply.
    assert _poll(
        lambda: _chat(stack.base_url, key["key"], "max now", "max").status_code in (200, 429), 15
    )
    assert _poll(lambda: _chat(stack.base_url, key["key"], "rpm").status_code == 429, 15)

    spend = _poll(lambda: (_listed(stack, owner, key["id"]) or {}).get("spend_usd"), 60)
    assert spend and spend > 0  # settled spend of this period


def test_an_expired_key_answers_401_and_says_so(stack: Stack) -> None:
    owner = stack.new_tenant_key("1")
    soon = datetime.now(UTC) + timedelta(seconds=3)
    key = _create(stack, owner, name="short-lived", expires_at=soon.isoformat())
    assert key["expires_at"] is not None and key["expired"] is False
    assert _chat(stack.base_url, key["key"], "before").status_code == 200
    resp = _poll(
        lambda: (r := _chat(stack.base_url, key["key"], "after")).status_code == 401 and r, 30
    )
    assert resp, "the key never expired"
    assert "expired" in resp.json()["error"]["message"]
    assert (_listed(stack, owner, key["id"]) or {})["expired"] is True


def test_another_tenant_cannot_see_patch_or_revoke_a_key(stack: Stack) -> None:
    a, b = stack.new_tenant_key("1"), stack.new_tenant_key("1")
    key = _create(stack, a, name="mine", budget_usd=1)
    assert _listed(stack, b, key["id"]) is None
    for method in ("PATCH", "DELETE"):
        resp = httpx.request(
            method,
            f"{stack.base_url}/keys/{key['id']}",
            headers=_h(b),
            json={"budget_usd": 100} if method == "PATCH" else None,
        )
        assert resp.status_code == 404, (method, resp.text)
    assert (_listed(stack, a, key["id"]) or {})["budget_usd"] == 1
    assert _chat(stack.base_url, key["key"], "still works").status_code == 200
    assert _poll(
        lambda: httpx.get(
            f"{stack.base_url}/usage", headers=_h(a), params={"key_id": key["id"]}
        ).json()["data"],
        60,
    )
    other = httpx.get(f"{stack.base_url}/usage", headers=_h(b), params={"key_id": key["id"]})
    assert other.json()["data"] == []
    summary = httpx.get(
        f"{stack.base_url}/usage/summary", headers=_h(b), params={"key_id": key["id"]}
    ).json()
    assert summary["requests"] == 0


async def _burst(urls: list[str], key: str, n: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=n)) as c:

        async def one(i: int) -> httpx.Response:
            return await c.post(
                f"{urls[i % len(urls)]}/chat/completions",
                headers={**_h(key), "x-tokaroo-cache-control": "no-cache"},
                json={
                    "model": "auto",
                    "max_tokens": 16,
                    "messages": [{"role": "user", "content": f"budget burst {i:04d}"}],
                },
            )

        return await asyncio.gather(*(one(i) for i in range(n)))


def test_a_budget_holds_under_200_concurrent_requests_over_two_edges(stack: Stack) -> None:
    owner = stack.new_tenant_key("10")
    probe = httpx.post(
        f"{stack.base_url}/chat/completions",
        timeout=60,
        headers={**_h(owner), "x-tokaroo-cache-control": "no-cache"},
        json={
            "model": "auto",
            "max_tokens": 16,
            "messages": [{"role": "user", "content": "budget burst 9999"}],
        },
    )
    assert probe.status_code == 200
    budget = Decimal(probe.headers["x-tokaroo-cost"]) * 50  # covers 50 such requests
    key = _create(stack, owner, name="capped", budget_usd=str(budget), budget_period="total")
    with extra_edge(stack) as second:
        responses = asyncio.run(_burst([stack.base_url, second], key["key"], 200))
    codes = [r.status_code for r in responses]
    assert set(codes) <= {200, 429}, codes
    ok = [r for r in responses if r.status_code == 200]
    refused = [r for r in responses if r.status_code == 429]
    assert ok and refused
    # Each answer costs about what the probe did (token counts vary a little): the invariant
    # is the money, below, not the count.
    for r in refused:
        error = r.json()["error"]
        assert r.headers.get("x-should-retry") == "false"
        assert error["code"] == "key_budget_exceeded", error
        assert "total budget" in error["message"] and "does not reset" in error["message"]
    charged = sum(Decimal(r.headers["x-tokaroo-cost"]) for r in ok)
    print(f"budget {budget}: {len(ok)} answered for {charged}, {len(refused)} refused")
    assert charged <= budget

    def settled() -> dict[str, Any] | None:
        k = _listed(stack, owner, key["id"])
        return k if k and Decimal(k["spend_usd_exact"]) == charged else None

    listed = _poll(settled, 90)
    assert listed, f"the key's spend never reached {charged}: {_listed(stack, owner, key['id'])}"
    assert Decimal(listed["spend_usd_exact"]) <= budget
    tenant_id = stack.tenant_id(owner)

    async def books() -> tuple[int, int]:
        conn = await asyncpg.connect(stack.layout.postgres_dsn)
        try:
            row = await conn.fetchrow(
                "SELECT t.balance_nano, (SELECT coalesce(sum(amount_nano), 0) FROM "
                "ledger_entries e WHERE e.tenant_id = t.id) AS total FROM tenants t "
                "WHERE t.id = $1",
                uuid.UUID(tenant_id),
            )
            return int(row["balance_nano"]), int(row["total"])
        finally:
            await conn.close()

    balance, entries = asyncio.run(books())
    assert balance == entries
