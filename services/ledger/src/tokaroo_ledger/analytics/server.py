"""gRPC AnalyticsService: tenant-scoped spend, savings and cache hit rate for a time range."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import grpc
from tokaroo_proto.analytics.v1 import analytics_pb2, analytics_pb2_grpc

from tokaroo_ledger.analytics.queries import InvalidQuery, TimeRange, Usage, UsageQueries

SERVICE = analytics_pb2.DESCRIPTOR.services_by_name["AnalyticsService"].full_name


def usage_message(u: Usage) -> analytics_pb2.Usage:
    """The proto of `u`: its counters by name, then what is derived and the percentiles."""
    counters = {f.name: getattr(u, f.name) for f in fields(u) if not f.name.endswith("_ms")}
    (latency_p50, latency_p95, latency_p99), ttft_p50 = u.latency_ms, u.ttft_ms[0]
    return analytics_pb2.Usage(
        **counters,
        savings_nano=u.savings_nano,
        cache_hit_rate=u.cache_hit_rate,
        latency_p50_ms=latency_p50,
        latency_p95_ms=latency_p95,
        latency_p99_ms=latency_p99,
        ttft_p50_ms=ttft_p50,
    )


class AnalyticsServicer(analytics_pb2_grpc.AnalyticsServiceServicer):
    def __init__(self, queries: UsageQueries) -> None:
        self._queries = queries

    async def GetUsageSummary(
        self, request: analytics_pb2.UsageRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> analytics_pb2.UsageSummary:
        try:
            rng = TimeRange.aligned(request.start_unix_ms, request.end_unix_ms)
            usage = await self._queries.summary(request.tenant_id, rng, request.tier)
        except InvalidQuery as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        return analytics_pb2.UsageSummary(
            tenant_id=request.tenant_id,
            start_unix_ms=rng.start_ms,
            end_unix_ms=rng.end_ms,
            usage=usage_message(usage),
        )

    async def GetUsageSeries(
        self, request: analytics_pb2.UsageRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> analytics_pb2.UsageSeries:
        try:
            rng = TimeRange.aligned(request.start_unix_ms, request.end_unix_ms)
            series = await self._queries.series(request.tenant_id, rng, request.tier)
        except InvalidQuery as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        buckets = [
            analytics_pb2.UsageBucket(hour_unix_ms=h, usage=usage_message(u)) for h, u in series
        ]
        return analytics_pb2.UsageSeries(
            tenant_id=request.tenant_id,
            start_unix_ms=rng.start_ms,
            end_unix_ms=rng.end_ms,
            buckets=buckets,
        )
