"""gRPC AnalyticsService: tenant-scoped spend, savings and cache hit rate for a time range."""

from __future__ import annotations

from typing import Any

import grpc
from tokaroo_proto.analytics.v1 import analytics_pb2, analytics_pb2_grpc

from tokaroo_ledger.analytics.queries import InvalidQuery, TimeRange, Usage, UsageQueries

SERVICE = analytics_pb2.DESCRIPTOR.services_by_name["AnalyticsService"].full_name


def usage_message(u: Usage) -> analytics_pb2.Usage:
    return analytics_pb2.Usage(
        requests=u.requests,
        input_tokens=u.input_tokens,
        output_tokens=u.output_tokens,
        cached_tokens=u.cached_tokens,
        charged_nano=u.charged_nano,
        baseline_cost_nano=u.baseline_cost_nano,
        savings_nano=u.savings_nano,
        cache_exact_hits=u.cache_exact_hits,
        cache_semantic_hits=u.cache_semantic_hits,
        cache_hit_rate=u.cache_hit_rate,
        errors=u.errors,
        fallbacks=u.fallbacks,
        latency_p50_ms=u.latency_ms[0],
        latency_p95_ms=u.latency_ms[1],
        latency_p99_ms=u.latency_ms[2],
        ttft_p50_ms=u.ttft_ms[0],
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
