"""Completion events reach ClickHouse exactly once: analytics totals equal the ledger's."""

from __future__ import annotations

import asyncio
import time

import grpc
import httpx
from tokaroo_common.money import usd_to_nano
from tokaroo_proto.analytics.v1 import analytics_pb2, analytics_pb2_grpc

from tests.harness import Stack


async def _summary(stack: Stack, tenant_id: str) -> analytics_pb2.UsageSummary:
    now = int(time.time() * 1000)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.layout.analytics_port}") as ch:
        return await analytics_pb2_grpc.AnalyticsServiceStub(ch).GetUsageSummary(
            analytics_pb2.UsageRequest(
                tenant_id=tenant_id, start_unix_ms=now - 3_600_000, end_unix_ms=now + 3_600_000
            ),
            timeout=10,
        )


def test_analytics_totals_equal_the_ledger(stack: Stack) -> None:
    key = stack.new_tenant_key("2")
    headers = {"Authorization": f"Bearer {key}"}
    for i in range(12):
        body = {"model": "auto", "messages": [{"role": "user", "content": f"analytics {i % 8}"}]}
        assert (
            httpx.post(
                f"{stack.base_url}/chat/completions", headers=headers, json=body, timeout=30
            ).status_code
            == 200
        )
    tenant_id = stack.tenant_id(key)
    deadline = time.monotonic() + 60
    while True:
        spent = usd_to_nano("2") - usd_to_nano(stack.balance(key))
        summary = asyncio.run(_summary(stack, tenant_id))
        if summary.usage.requests == 12 and summary.usage.charged_nano == spent:
            break
        assert time.monotonic() < deadline, (summary.total, spent)
        time.sleep(0.5)
    assert summary.usage.cache_exact_hits == 4
    assert summary.usage.savings_nano == summary.usage.baseline_cost_nano - spent
