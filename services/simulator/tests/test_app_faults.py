from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from tokaroo_simulator.transport import ConnectionDropped

OPENAI = {"Authorization": "Bearer sk-test"}
CHAT = "/v1/chat/completions"
Q = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "What is 2+2?"}]}
SSE = Callable[[str], list[Any]]


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("error-429", 429, "rate_limit_exceeded"),
        ("error-500", 500, "server_error"),
        ("error-503", 503, "service_unavailable"),
    ],
)
async def test_model_name_errors(
    client: httpx.AsyncClient, kind: str, status: int, code: str
) -> None:
    r = await client.post(CHAT, json={**Q, "model": f"sim-{kind}"}, headers=OPENAI)
    assert r.status_code == status and r.json()["error"]["code"] == code


async def test_runtime_rule_with_count_then_stats_and_reset(client: httpx.AsyncClient) -> None:
    rule = {"model": "gpt-4o-mini", "provider": "openai", "kind": "error-503", "count": 2}
    r = await client.post("/_sim/faults", json=rule)
    assert r.status_code == 200 and r.json()["rules"][0]["count"] == 2
    codes = [(await client.post(CHAT, json=Q, headers=OPENAI)).status_code for _ in range(3)]
    assert codes == [503, 503, 200]
    other = await client.post(
        "/v1/messages",
        headers={"x-api-key": "k", "anthropic-version": "2023-06-01"},
        json={**Q, "max_tokens": 5},
    )
    assert other.status_code == 200
    stats = (await client.get("/_sim/stats")).json()
    assert stats["total"] == 4
    assert stats["requests"]["openai"]["gpt-4o-mini"] == {"error-503": 2, "ok": 1}
    assert stats["requests"]["anthropic"]["gpt-4o-mini"] == {"ok": 1}
    assert (await client.post("/_sim/reset")).json() == {"status": "reset"}
    assert (await client.get("/_sim/stats")).json() == {"total": 0, "requests": {}}


async def test_rate_rule_is_reproducible(make_client: Any) -> None:
    async def run() -> list[int]:
        async with make_client(seed=7) as c:
            await c.post("/_sim/faults", json={"kind": "error-500", "rate": 0.5})
            return [(await c.post(CHAT, json=Q, headers=OPENAI)).status_code for _ in range(20)]

    first = await run()
    assert first == await run() and {200, 500} == set(first)


async def test_delete_clears_rules_and_invalid_rules_are_refused(client: httpx.AsyncClient) -> None:
    await client.post("/_sim/faults", json={"kind": "error-500", "provider": "*"})
    assert (await client.post(CHAT, json=Q, headers=OPENAI)).status_code == 500
    assert (await client.get("/_sim/faults")).json()["rules"][0]["kind"] == "error-500"
    assert (await client.delete("/_sim/faults")).json() == {"rules": []}
    assert (await client.post(CHAT, json=Q, headers=OPENAI)).status_code == 200
    bad = await client.post("/_sim/faults", json={"kind": "explode"})
    assert bad.status_code == 400 and "kind" in bad.json()["error"]


async def test_slow_adds_the_configured_delay(make_client: Any) -> None:
    async with make_client(slow_ms=80) as c:
        start = time.perf_counter()
        assert (await c.post(CHAT, json={**Q, "model": "x-slow"}, headers=OPENAI)).is_success
        assert time.perf_counter() - start >= 0.08


async def test_timeout_holds_then_drops(make_client: Any) -> None:
    async with make_client(timeout_s=0.05) as c:
        start = time.perf_counter()
        with pytest.raises(ConnectionDropped):
            await c.post(CHAT, json={**Q, "model": "x-timeout"}, headers=OPENAI)
        assert time.perf_counter() - start >= 0.05


async def test_timeout_never_answers_within_a_client_deadline(client: httpx.AsyncClient) -> None:
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.1):
            await client.post(CHAT, json={**Q, "model": "x-timeout"}, headers=OPENAI)


@pytest.mark.parametrize("stream", [True, False])
async def test_break_midstream_and_connect_reset_drop_the_connection(
    client: httpx.AsyncClient, stream: bool
) -> None:
    for model in ("x-break-midstream", "x-connect-reset"):
        with pytest.raises(ConnectionDropped):
            await client.post(CHAT, json={**Q, "model": model, "stream": stream}, headers=OPENAI)


async def test_healthz(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
