"""Killing the ledger (kill -9) in the middle of traffic loses and double-charges nothing."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import httpx

from tests.harness import Stack


async def _fire(client: httpx.AsyncClient, url: str, key: str, i: int) -> Decimal | None:
    try:
        resp = await client.post(
            url,
            headers={"Authorization": f"Bearer {key}"},
            json={"model": "auto", "messages": [{"role": "user", "content": f"crash test {i}"}]},
        )
    except httpx.HTTPError:
        return None
    if resp.status_code != 200:
        assert resp.status_code in (502, 503, 504), resp.text  # a clean error, never a 500
        assert "error" in resp.json()
        return None
    return Decimal(resp.headers["x-tokaroo-cost"])


def _usage_count(stack: Stack, key: str) -> int:
    n, cursor = 0, None
    while True:
        params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        body = httpx.get(
            f"{stack.base_url}/usage", params=params, headers={"Authorization": f"Bearer {key}"}
        ).json()
        n += sum(1 for r in body["data"] if r["charged_usd"] > 0)
        cursor = body.get("next_cursor")
        if not cursor:
            return n


def test_ledger_kill_and_restart_charges_each_completion_once(stack: Stack) -> None:
    key = stack.new_tenant_key(credit_usd="5")
    before = stack.balance(key)
    url = f"{stack.base_url}/chat/completions"

    async def run() -> list[Decimal | None]:
        limits = httpx.Limits(max_connections=16)
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:
            first = await asyncio.gather(*(_fire(client, url, key, i) for i in range(120)))
            stack.procs["ledger"].kill()
            during = await asyncio.gather(*(_fire(client, url, key, i) for i in range(120, 140)))
            stack.procs["ledger"].restart()
            stack.wait_grpc_ready(stack.layout.ledger_addr)
            # The edge finds the restarted ledger again within a few seconds (its reconnect
            # backoff is capped at one second), not after gRPC's default two-minute backoff.
            recovered = None
            deadline = time.monotonic() + 10
            while recovered is None and time.monotonic() < deadline:
                recovered = await _fire(client, url, key, 1000)
                if recovered is None:
                    await asyncio.sleep(0.2)
            assert recovered is not None, "the edge did not reach the restarted ledger"
            after = await asyncio.gather(*(_fire(client, url, key, i) for i in range(140, 200)))
            return [*first, *during, recovered, *after]

    costs = asyncio.run(run())
    ok = [c for c in costs if c is not None]
    assert len(ok) >= 150
    expected = before - sum(ok, Decimal(0))
    deadline = time.monotonic() + 30
    while stack.balance(key) != expected and time.monotonic() < deadline:
        time.sleep(0.2)
    assert stack.balance(key) == expected
    assert _usage_count(stack, key) == len(ok)


def test_edge_killed_during_a_nats_outage_loses_no_charge(stack: Stack) -> None:
    """Answers given while NATS is down wait in the edge's outbox; a SIGKILLed edge (no
    chance to spill) republishes them from its journal when it starts again."""
    key = stack.new_tenant_key(credit_usd="5")
    before = stack.balance(key)
    url = f"{stack.base_url}/chat/completions"
    stack.procs["nats"].kill()
    try:

        async def run() -> list[Decimal | None]:
            async with httpx.AsyncClient(timeout=30) as client:
                return await asyncio.gather(*(_fire(client, url, key, 5000 + i) for i in range(30)))

        costs = [c for c in asyncio.run(run()) if c is not None]
        assert len(costs) == 30  # answering does not wait for NATS
        stack.procs["edge"].kill()
    finally:
        stack.procs["nats"].start()
    stack.procs["edge"].start()
    expected = before - sum(costs, Decimal(0))
    deadline = time.monotonic() + 60
    while stack.balance(key) != expected and time.monotonic() < deadline:
        time.sleep(0.3)
    assert stack.balance(key) == expected
    assert _usage_count(stack, key) == 30
