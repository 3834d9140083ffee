"""The exact cache the edge reads and writes in Valkey itself, end to end: a `fast` repeat is a
hit, `x-tokaroo-cache-control: no-cache` neither reads nor writes it, another tenant never sees
it, and the cache service's InvalidateTenant clears what the edge wrote."""

from __future__ import annotations

import asyncio
import time
import uuid
from decimal import Decimal

import anthropic
import grpc
import httpx
import openai
import pytest
from tokaroo_proto.cache.v1 import cache_pb2, cache_pb2_grpc

from tests.harness import Stack


def ask(stack: Stack, key: str, text: str, **headers: str) -> httpx.Response:
    resp = httpx.post(
        f"{stack.base_url}/chat/completions",
        headers={"Authorization": f"Bearer {key}", **headers},
        json={"model": "fast", "messages": [{"role": "user", "content": text}]},
        timeout=30,
    )
    assert resp.status_code == 200, resp.text
    return resp


def wait_hit(stack: Stack, key: str, text: str, timeout: float = 10.0) -> httpx.Response:
    """The store happens in the background, after the answer."""
    deadline = time.monotonic() + timeout
    while True:
        resp = ask(stack, key, text)
        if resp.headers["x-tokaroo-cache"] == "hit" or time.monotonic() > deadline:
            return resp
        time.sleep(0.1)


async def invalidate(stack: Stack, tenant_id: str) -> int:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.layout.cache_port}") as ch:
        out = await cache_pb2_grpc.CacheServiceStub(ch).InvalidateTenant(
            cache_pb2.InvalidateTenantRequest(tenant_id=tenant_id), timeout=5
        )
    return int(out.deleted)


def test_fast_hits_per_tenant_and_invalidation_clears_them(stack: Stack) -> None:
    key, other = stack.new_tenant_key("5"), stack.new_tenant_key("5")
    text = f"Exact cache check {uuid.uuid4().hex}: what is the capital of Chile?"
    first = ask(stack, key, text)
    assert first.headers["x-tokaroo-cache"] == "miss"
    hit = wait_hit(stack, key, text)
    assert hit.headers["x-tokaroo-cache"] == "hit"
    assert hit.json()["choices"] == first.json()["choices"]
    assert ask(stack, other, text).headers["x-tokaroo-cache"] == "miss"  # another tenant
    no_cache = {"x-tokaroo-cache-control": "no-cache"}
    assert ask(stack, key, text, **no_cache).headers["x-tokaroo-cache"] == "miss"
    assert asyncio.run(invalidate(stack, stack.tenant_id(key))) >= 1
    assert ask(stack, key, text).headers["x-tokaroo-cache"] == "miss"


def test_no_cache_requests_are_not_stored(stack: Stack) -> None:
    key = stack.new_tenant_key("5")
    text = f"Never stored {uuid.uuid4().hex}"
    no_cache = {"x-tokaroo-cache-control": "no-cache"}
    assert ask(stack, key, text, **no_cache).headers["x-tokaroo-cache"] == "miss"
    time.sleep(0.5)
    assert ask(stack, key, text).headers["x-tokaroo-cache"] == "miss"


def fast_decisions(stack: Stack) -> float:
    """How many `fast` requests were routed (the decisions counter of the router and of the
    edge, which decides `fast` in process)."""
    router = f"http://127.0.0.1:{stack.layout.metrics_ports['router']}/metrics"
    edge = f"http://127.0.0.1:{stack.layout.edge_port}/metrics"
    return sum(
        float(line.rpartition(" ")[2])
        for url in (router, edge)
        for line in httpx.get(url, timeout=10).text.splitlines()
        if line.startswith('tokaroo_router_decisions_total{mode="fast"')
    )


def usage_rows(
    stack: Stack, key: str, count: int, timeout: float = 15.0
) -> list[dict[str, object]]:
    """The tenant's usage rows, once `count` of them are settled (newest first)."""
    deadline = time.monotonic() + timeout
    while True:
        rows = httpx.get(
            f"{stack.base_url}/usage", headers={"Authorization": f"Bearer {key}"}, timeout=10
        ).json()["data"]
        if len(rows) >= count or time.monotonic() > deadline:
            return list(rows)
        time.sleep(0.2)


def test_an_exact_hit_asks_no_router_and_is_billed_as_before(stack: Stack) -> None:
    key = stack.new_tenant_key("5")
    before = stack.balance(key)
    text = f"No router for a hit {uuid.uuid4().hex}: name three rivers."
    first = ask(stack, key, text)
    answers = [first]
    while (resp := ask(stack, key, text)).headers["x-tokaroo-cache"] != "hit":
        answers.append(resp)  # the store happens in the background, after the answer
        assert len(answers) < 50
        time.sleep(0.1)
    answers.append(resp)
    decided = fast_decisions(stack)
    assert decided >= 1  # the miss was routed
    hits = [ask(stack, key, text) for _ in range(3)]
    assert fast_decisions(stack) == decided  # no hit asked the router
    assert all(h.headers["x-tokaroo-cache"] == "hit" for h in hits)
    costs = [Decimal(r.headers["x-tokaroo-cost"]) for r in [*answers, *hits]]
    assert len(set(costs[-4:])) == 1 and 0 < costs[-1] < costs[0]
    rows = usage_rows(stack, key, len(costs))
    assert len(rows) == len(costs)
    miss_row, hit_rows = rows[-1], rows[:4]
    assert all(r["cache"] == "exact" and r["tier"] == miss_row["tier"] for r in hit_rows)
    assert all(Decimal(str(r["charged_usd"])) == costs[-1] for r in hit_rows)
    deadline = time.monotonic() + 15
    while stack.balance(key) != before - sum(costs) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert stack.balance(key) == before - sum(costs)


def test_refusals_on_the_one_round_trip_path_keep_their_dialect(stack: Stack) -> None:
    """Once an edge process has routed `fast`, a `fast` request's exact read and hold go to
    Valkey together; a tenant who cannot pay is still refused in its caller's dialect,
    through the official SDKs, and a tenant who can still pays exactly what it was shown."""
    rich = stack.new_tenant_key("5")
    for i in range(6):  # every edge worker routes `fast` at least once (likely: connections
        ask(stack, rich, f"warm {i} {uuid.uuid4().hex}")  # are spread over them)
    broke = stack.new_tenant_key("0.000001", name="broke")
    openai_client = openai.OpenAI(api_key=broke, base_url=stack.base_url, max_retries=0)
    anthropic_client = anthropic.Anthropic(
        api_key=broke, base_url=stack.base_url.removesuffix("/v1"), max_retries=0
    )
    for _ in range(3):
        with pytest.raises(openai.APIStatusError) as refused:
            openai_client.chat.completions.create(
                model="fast", max_tokens=200, messages=[{"role": "user", "content": "hi"}]
            )
        assert refused.value.status_code == 402
        assert refused.value.body["code"] == "insufficient_balance"  # type: ignore[index]
        with pytest.raises(anthropic.APIStatusError) as billed:
            anthropic_client.messages.create(
                model="fast", max_tokens=200, messages=[{"role": "user", "content": "hi"}]
            )
        assert billed.value.status_code == 402
        assert billed.value.body["error"]["type"] == "billing_error"  # type: ignore[index]
    before = stack.balance(rich)
    costs = [Decimal(ask(stack, rich, f"paid {uuid.uuid4().hex}").headers["x-tokaroo-cost"])]
    costs += [Decimal(ask(stack, rich, f"paid {uuid.uuid4().hex}").headers["x-tokaroo-cost"])]
    deadline = time.monotonic() + 15
    while stack.balance(rich) != before - sum(costs) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert stack.balance(rich) == before - sum(costs)
