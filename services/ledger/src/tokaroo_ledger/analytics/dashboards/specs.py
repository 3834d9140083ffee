"""What each Grafana dashboard shows: panels as data (title, kind, unit, SQL).

SQL uses the grafana-clickhouse-datasource macros `$__timeFilter(col)` and the dashboard
variable `${tenant:sqlstring}` (quoted, comma-separated tenant ids). Tables are unqualified:
the provisioned datasource's default database is the analytics database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["stat", "timeseries", "table", "piechart", "barchart"]
# Aliases never reuse a column name: ClickHouse would resolve a later reference to the
# alias (an aggregate inside an aggregate).
T = "$__timeFilter(hour)"
TEN = "tenant_id IN (${tenant:sqlstring})"
Q = "quantilesTDigestMerge(0.5, 0.95, 0.99)"
TENANT_VARIABLE_SQL = "SELECT DISTINCT tenant_id FROM usage_hourly ORDER BY tenant_id"


@dataclass(frozen=True)
class PanelSpec:
    """A panel over ClickHouse (`sql`), or over the services' Prometheus metrics (`promql`:
    one expression per series, `{legend: expr}`)."""

    title: str
    kind: Kind
    sql: str
    unit: str = "short"
    width: int = 12
    height: int = 8
    description: str = ""
    promql: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class DashboardSpec:
    uid: str
    title: str
    description: str
    panels: tuple[PanelSpec, ...]
    tenant_variable: bool = False
    tags: tuple[str, ...] = field(default=("tokaroo",))


def _stat(title: str, expr: str, unit: str, where: str = T) -> PanelSpec:
    return PanelSpec(
        title,
        "stat",
        f"SELECT {expr} AS value FROM usage_hourly WHERE {where}",
        unit,
        width=4,
        height=4,
    )


def _quantile(q: float, metric: str, by: str = "", labels: str = "") -> str:
    return (
        f"histogram_quantile({q}, sum by (le{', ' + by if by else ''}) "
        f"(rate({metric}_bucket{labels}[5m])))"
    )


OVERHEAD = "tokaroo_gateway_overhead_seconds"
GRPC = "tokaroo_grpc_server_duration_seconds"
MISS, HIT = '{cache="miss"}', '{cache="hit"}'

FLEET = DashboardSpec(
    "tokaroo-fleet",
    "Tokaroo / Fleet overview",
    "Requests, spend, savings, cache, errors and latency across all tenants.",
    (
        _stat("Requests", "sum(requests)", "short"),
        _stat("Spend", "sum(charged_nano) / 1e9", "currencyUSD"),
        _stat(
            "Savings vs market",
            "(sum(baseline_cost_nano) - sum(charged_nano)) / 1e9",
            "currencyUSD",
        ),
        _stat("Margin", "(sum(charged_nano) - sum(upstream_cost_nano)) / 1e9", "currencyUSD"),
        _stat(
            "Cache hit rate",
            "(sum(cache_exact) + sum(cache_semantic)) / greatest(sum(requests), 1)",
            "percentunit",
        ),
        _stat("Error rate", "sum(errors) / greatest(sum(requests), 1)", "percentunit"),
        PanelSpec(
            "Requests per hour by tier",
            "timeseries",
            f"SELECT hour AS time, tier, sum(requests) AS request_count FROM usage_hourly "
            f"WHERE {T} GROUP BY time, tier ORDER BY time",
        ),
        PanelSpec(
            "Latency (ms)",
            "timeseries",
            f"SELECT hour AS time, {Q}(latency_q)[1] AS p50, {Q}(latency_q)[2] AS p95, "
            f"{Q}(latency_q)[3] AS p99 FROM usage_hourly WHERE {T} "
            "GROUP BY time ORDER BY time",
            "ms",
        ),
        PanelSpec(
            "Spend, baseline and upstream cost per hour",
            "timeseries",
            "SELECT hour AS time, sum(charged_nano) / 1e9 AS spend, "
            "sum(baseline_cost_nano) / 1e9 AS market_baseline, "
            f"sum(upstream_cost_nano) / 1e9 AS upstream_cost FROM usage_hourly WHERE {T} "
            "GROUP BY time ORDER BY time",
            "currencyUSD",
            width=24,
        ),
        PanelSpec(
            "Gateway overhead at the edge (upstream time excluded)",
            "timeseries",
            "",
            "s",
            description="Time the edge added before an answer (a stream: its first "
            "byte) was ready, cache misses and hits apart.",
            promql=(
                ("miss p50", _quantile(0.5, OVERHEAD, labels=MISS)),
                ("miss p99", _quantile(0.99, OVERHEAD, labels=MISS)),
                ("hit p50", _quantile(0.5, OVERHEAD, labels=HIT)),
            ),
        ),
        PanelSpec(
            "Time each service adds per call, p50 (router, cache, ledger)",
            "timeseries",
            "",
            "s",
            description="Each gRPC service's handler time per method "
            "(tokaroo_grpc_server_duration_seconds, the shared server interceptor).",
            promql=(("{{method}}", _quantile(0.5, GRPC, "method")),),
        ),
        PanelSpec(
            "Time each service adds per call, p99 (router, cache, ledger)",
            "timeseries",
            "",
            "s",
            description="The same handler time at p99: what the slowest calls add.",
            promql=(("{{method}}", _quantile(0.99, GRPC, "method")),),
        ),
    ),
)

TENANTS = DashboardSpec(
    "tokaroo-tenant-spend",
    "Tokaroo / Tenant spend and savings",
    "Per-tenant spend, market baseline and savings (baseline - charged).",
    (
        PanelSpec(
            "Spend per hour",
            "timeseries",
            "SELECT hour AS time, tenant_id, sum(charged_nano) / 1e9 AS spend "
            f"FROM usage_hourly WHERE {T} AND {TEN} GROUP BY time, tenant_id ORDER BY time",
            "currencyUSD",
        ),
        PanelSpec(
            "Savings per hour",
            "timeseries",
            "SELECT hour AS time, tenant_id, "
            "(sum(baseline_cost_nano) - sum(charged_nano)) / 1e9 AS savings "
            f"FROM usage_hourly WHERE {T} AND {TEN} GROUP BY time, tenant_id ORDER BY time",
            "currencyUSD",
        ),
        PanelSpec(
            "Tenants",
            "table",
            "SELECT tenant_id, sum(requests) AS request_count, "
            "sum(charged_nano) / 1e9 AS spend_usd, "
            "sum(baseline_cost_nano) / 1e9 AS baseline_usd, "
            "(sum(baseline_cost_nano) - sum(charged_nano)) / 1e9 AS savings_usd, "
            "1 - sum(charged_nano) / greatest(sum(baseline_cost_nano), 1) AS savings_ratio, "
            "sum(input_tokens) + sum(output_tokens) AS tokens "
            f"FROM usage_hourly WHERE {T} AND {TEN} GROUP BY tenant_id "
            "ORDER BY spend_usd DESC",
            width=24,
        ),
    ),
    tenant_variable=True,
)

ROUTING = DashboardSpec(
    "tokaroo-routing-mix",
    "Tokaroo / Routing mix by tier",
    "How requests are routed: tiers, requested model values, fallbacks.",
    (
        PanelSpec(
            "Requests by tier",
            "piechart",
            "SELECT tier, sum(requests) AS request_count FROM usage_hourly "
            f"WHERE {T} AND {TEN} GROUP BY tier ORDER BY tier",
            width=8,
        ),
        PanelSpec(
            "Tier share per hour",
            "timeseries",
            "SELECT hour AS time, tier, sum(requests) / any(total) AS share FROM usage_hourly "
            "INNER JOIN (SELECT hour, sum(requests) AS total FROM usage_hourly "
            f"WHERE {T} AND {TEN} GROUP BY hour) AS t USING hour "
            f"WHERE {T} AND {TEN} GROUP BY time, tier ORDER BY time",
            "percentunit",
            width=16,
        ),
        PanelSpec(
            "Requested model x tier",
            "table",
            "SELECT model_requested, tier, sum(requests) AS request_count, "
            "sum(charged_nano) / 1e9 AS spend_usd, "
            "sum(charged_nano) / greatest(sum(requests), 1) / 1e9 AS usd_per_request, "
            "sum(fallbacks) AS fallback_count FROM usage_hourly "
            f"WHERE {T} AND {TEN} GROUP BY model_requested, tier ORDER BY request_count DESC",
        ),
        PanelSpec(
            "Resolved models by tier (operators only)",
            "table",
            "SELECT tier, provider, resolved_model, sum(requests) AS request_count, "
            "sum(upstream_cost_nano) / 1e9 AS upstream_usd FROM provider_hourly "
            f"WHERE {T} AND provider != '' GROUP BY tier, provider, resolved_model "
            "ORDER BY tier, request_count DESC",
        ),
    ),
    tenant_variable=True,
)

CACHE = DashboardSpec(
    "tokaroo-cache",
    "Tokaroo / Cache effectiveness",
    "Exact and semantic cache hits, hit rate per tenant, cached tokens.",
    (
        PanelSpec(
            "Cache hits per hour by kind",
            "timeseries",
            "SELECT hour AS time, sum(cache_exact) AS exact, sum(cache_semantic) AS semantic, "
            "sum(requests) - sum(cache_exact) - sum(cache_semantic) AS miss "
            f"FROM usage_hourly WHERE {T} AND {TEN} GROUP BY time ORDER BY time",
        ),
        PanelSpec(
            "Hit rate per hour",
            "timeseries",
            "SELECT hour AS time, "
            "(sum(cache_exact) + sum(cache_semantic)) / greatest(sum(requests), 1) AS hit_rate "
            f"FROM usage_hourly WHERE {T} AND {TEN} GROUP BY time ORDER BY time",
            "percentunit",
        ),
        PanelSpec(
            "Hit rate by tenant",
            "table",
            "SELECT tenant_id, sum(requests) AS request_count, sum(cache_exact) AS exact_hits, "
            "sum(cache_semantic) AS semantic_hits, "
            "(sum(cache_exact) + sum(cache_semantic)) / greatest(sum(requests), 1) AS hit_rate, "
            "sum(cached_tokens) / greatest(sum(input_tokens), 1) AS cached_token_ratio "
            f"FROM usage_hourly WHERE {T} AND {TEN} GROUP BY tenant_id "
            "ORDER BY hit_rate DESC",
        ),
        PanelSpec(
            "Cache hit latency vs miss (ms, p50)",
            "barchart",
            f"SELECT cache_outcome, {Q}(latency_q)[1] AS p50_ms FROM provider_hourly "
            f"WHERE {T} GROUP BY cache_outcome ORDER BY cache_outcome",
            "ms",
        ),
    ),
    tenant_variable=True,
)

PROVIDERS = DashboardSpec(
    "tokaroo-providers",
    "Tokaroo / Provider health and latency",
    "Error rate, fallbacks, latency and TTFT per upstream provider.",
    (
        PanelSpec(
            "Error rate by provider",
            "timeseries",
            "SELECT hour AS time, provider, "
            "sumIf(requests, status = 'error') / greatest(sum(requests), 1) AS error_rate "
            f"FROM provider_hourly WHERE {T} AND provider != '' "
            "GROUP BY time, provider ORDER BY time",
            "percentunit",
        ),
        PanelSpec(
            "p95 latency by provider (ms)",
            "timeseries",
            f"SELECT hour AS time, provider, {Q}(latency_q)[2] AS p95 FROM provider_hourly "
            f"WHERE {T} AND provider != '' GROUP BY time, provider ORDER BY time",
            "ms",
        ),
        PanelSpec(
            "TTFT p50 by provider (ms)",
            "timeseries",
            f"SELECT hour AS time, provider, {Q}(ttft_q)[1] AS ttft_p50 FROM provider_hourly "
            f"WHERE {T} AND provider != '' GROUP BY time, provider ORDER BY time",
            "ms",
        ),
        PanelSpec(
            "Fallbacks per hour",
            "timeseries",
            "SELECT hour AS time, provider, sum(fallbacks) AS fallback_count "
            f"FROM provider_hourly WHERE {T} AND provider != '' "
            "GROUP BY time, provider ORDER BY time",
        ),
        PanelSpec(
            "Errors by provider and code",
            "table",
            "SELECT provider, resolved_model, error_code, sum(requests) AS errors "
            f"FROM provider_hourly WHERE {T} AND status = 'error' "
            "GROUP BY provider, resolved_model, error_code ORDER BY errors DESC",
            width=24,
        ),
    ),
)

DASHBOARDS: tuple[DashboardSpec, ...] = (FLEET, TENANTS, ROUTING, CACHE, PROVIDERS)
