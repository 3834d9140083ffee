"""The gRPC AnalyticsService: tenant-scoped totals equal the events; no tenant sees another's
rows; health and reflection are served."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from tokaroo_cli.infra import free_port
from tokaroo_common.grpc_server import add_health_and_reflection, mark_serving
from tokaroo_ledger.analytics.queries import HOUR_MS, UsageQueries
from tokaroo_ledger.analytics.server import SERVICE, AnalyticsServicer
from tokaroo_ledger.analytics.synthetic import make_events
from tokaroo_ledger.analytics.warehouse import Warehouse
from tokaroo_ledger.analytics.writer import EventWriter
from tokaroo_proto.analytics.v1 import analytics_pb2, analytics_pb2_grpc

NOW_MS = int(time.time() * 1000)
EVENTS = list(
    make_events(
        1200,
        tenants=("t-a", "t-b", "t-c"),
        seed=5,
        start_ms=NOW_MS - 5 * HOUR_MS,
        span_ms=4 * HOUR_MS,
    )
)


@pytest.fixture
async def channel(warehouse: Warehouse) -> AsyncIterator[grpc.aio.Channel]:
    await EventWriter(warehouse).write(EVENTS)
    server = grpc.aio.server()
    analytics_pb2_grpc.add_AnalyticsServiceServicer_to_server(
        AnalyticsServicer(UsageQueries(warehouse)), server
    )
    health = add_health_and_reflection(server, [SERVICE])
    port = free_port()
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    await mark_serving(health, [SERVICE])
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as chan:
        yield chan
    await server.stop(grace=None)


def _request(tenant: str, tier: str = "") -> analytics_pb2.UsageRequest:
    return analytics_pb2.UsageRequest(
        tenant_id=tenant, start_unix_ms=NOW_MS - 24 * HOUR_MS, end_unix_ms=NOW_MS, tier=tier
    )


async def test_summary_is_the_tenants_own_totals(channel: grpc.aio.Channel, totals) -> None:
    stub = analytics_pb2_grpc.AnalyticsServiceStub(channel)
    for tenant in ("t-a", "t-b", "t-c"):
        mine = [e for e in EVENTS if e.tenant_id == tenant]
        want = totals(mine)
        got = (await stub.GetUsageSummary(_request(tenant))).usage
        assert got.requests == want.requests == len(mine)
        assert got.charged_nano == want.charged_nano
        assert got.savings_nano == want.baseline_cost_nano - want.charged_nano > 0
        assert got.cache_exact_hits == want.exact and got.cache_semantic_hits == want.semantic
        assert got.cache_hit_rate == pytest.approx((want.exact + want.semantic) / len(mine))
        assert got.errors == want.errors and got.fallbacks == want.fallbacks
        assert 0 < got.latency_p50_ms <= got.latency_p95_ms <= got.latency_p99_ms


async def test_tier_filter_and_hourly_series(channel: grpc.aio.Channel, totals) -> None:
    stub = analytics_pb2_grpc.AnalyticsServiceStub(channel)
    mine = [e for e in EVENTS if e.tenant_id == "t-b" and e.tier == "complex"]
    assert len(mine) > 50
    summary = await stub.GetUsageSummary(_request("t-b", "complex"))
    assert summary.usage.charged_nano == totals(mine).charged_nano
    assert summary.start_unix_ms % HOUR_MS == 0 and summary.end_unix_ms % HOUR_MS == 0
    series = await stub.GetUsageSeries(_request("t-b", "complex"))
    hours = [b.hour_unix_ms for b in series.buckets]
    assert hours == sorted(hours) and len(hours) >= 4
    assert sum(b.usage.charged_nano for b in series.buckets) == totals(mine).charged_nano


async def test_no_tenant_sees_another_tenants_usage(channel: grpc.aio.Channel) -> None:
    stub = analytics_pb2_grpc.AnalyticsServiceStub(channel)
    stranger = await stub.GetUsageSummary(_request("t-unknown"))
    assert stranger.usage.requests == 0 and stranger.usage.charged_nano == 0
    assert not (await stub.GetUsageSeries(_request("t-unknown"))).buckets
    injected = await stub.GetUsageSummary(_request("t-a' OR '1'='1"))
    assert injected.usage.requests == 0


@pytest.mark.parametrize(
    "request_",
    [
        analytics_pb2.UsageRequest(start_unix_ms=0, end_unix_ms=NOW_MS),
        analytics_pb2.UsageRequest(tenant_id="t-a", start_unix_ms=NOW_MS, end_unix_ms=NOW_MS),
        analytics_pb2.UsageRequest(
            tenant_id="t-a", start_unix_ms=0, end_unix_ms=NOW_MS, tier="gold"
        ),
    ],
)
async def test_invalid_requests_are_rejected(
    channel: grpc.aio.Channel, request_: analytics_pb2.UsageRequest
) -> None:
    stub = analytics_pb2_grpc.AnalyticsServiceStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.GetUsageSummary(request_)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_health_and_reflection(channel: grpc.aio.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    reply = await health.Check(health_pb2.HealthCheckRequest(service=SERVICE))
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    async for response in stub.ServerReflectionInfo(iter([request])):
        names = {s.name for s in response.list_services_response.service}
        assert SERVICE in names
        break
