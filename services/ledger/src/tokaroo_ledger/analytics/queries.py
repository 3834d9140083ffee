"""Tenant-scoped usage queries over the `usage_hourly` rollup.

Every query takes exactly one tenant_id and filters on it (the rollup's primary key starts
with tenant_id). Ranges are half-open and aligned to whole UTC hours, the rollup's grain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from tokaroo_ledger.analytics.warehouse import Warehouse

HOUR_MS = 3_600_000
TIERS = frozenset({"instant", "standard", "complex"})
_MEASURES = """
    sum(requests), sum(input_tokens), sum(output_tokens), sum(cached_tokens),
    sum(charged_nano), sum(baseline_cost_nano), sum(cache_exact), sum(cache_semantic),
    sum(errors), sum(fallbacks),
    quantilesTDigestMerge(0.5, 0.95, 0.99)(latency_q),
    quantilesTDigestMerge(0.5, 0.95, 0.99)(ttft_q)
"""
_WHERE = """
WHERE tenant_id = %(tenant)s
  AND hour >= toDateTime(%(start)s, 'UTC') AND hour < toDateTime(%(end)s, 'UTC')
  AND (%(tier)s = '' OR tier = %(tier)s)
"""


class InvalidQuery(ValueError):
    pass


@dataclass(frozen=True)
class TimeRange:
    start_ms: int
    end_ms: int

    @classmethod
    def aligned(cls, start_ms: int, end_ms: int) -> TimeRange:
        if start_ms < 0 or end_ms <= start_ms:
            raise InvalidQuery("need 0 <= start_unix_ms < end_unix_ms")
        return cls(start_ms // HOUR_MS * HOUR_MS, -(-end_ms // HOUR_MS) * HOUR_MS)


@dataclass(frozen=True)
class Usage:
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    charged_nano: int = 0
    baseline_cost_nano: int = 0
    cache_exact_hits: int = 0
    cache_semantic_hits: int = 0
    errors: int = 0
    fallbacks: int = 0
    latency_ms: tuple[float, float, float] = (0.0, 0.0, 0.0)
    ttft_ms: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def savings_nano(self) -> int:
        return self.baseline_cost_nano - self.charged_nano

    @property
    def cache_hit_rate(self) -> float:
        hits = self.cache_exact_hits + self.cache_semantic_hits
        return hits / self.requests if self.requests else 0.0


def _quantiles(values: Any) -> tuple[float, float, float]:
    out = [0.0 if v is None or math.isnan(float(v)) else float(v) for v in (values or [])]
    out += [0.0] * (3 - len(out))
    return out[0], out[1], out[2]


def _usage(row: tuple[Any, ...]) -> Usage:
    n = [int(v or 0) for v in row[:10]]
    return Usage(
        requests=n[0],
        input_tokens=n[1],
        output_tokens=n[2],
        cached_tokens=n[3],
        charged_nano=n[4],
        baseline_cost_nano=n[5],
        cache_exact_hits=n[6],
        cache_semantic_hits=n[7],
        errors=n[8],
        fallbacks=n[9],
        latency_ms=_quantiles(row[10]),
        ttft_ms=_quantiles(row[11]),
    )


def _params(tenant_id: str, rng: TimeRange, tier: str) -> dict[str, Any]:
    if not tenant_id:
        raise InvalidQuery("tenant_id is required")
    if tier and tier not in TIERS:
        raise InvalidQuery(f"unknown tier {tier!r}")
    return {
        "tenant": tenant_id,
        "start": rng.start_ms // 1000,
        "end": rng.end_ms // 1000,
        "tier": tier,
    }


class UsageQueries:
    def __init__(self, warehouse: Warehouse) -> None:
        self._wh = warehouse

    async def summary(self, tenant_id: str, rng: TimeRange, tier: str = "") -> Usage:
        rows = await self._wh.rows(
            f"SELECT {_MEASURES} FROM usage_hourly {_WHERE}",
            parameters=_params(tenant_id, rng, tier),
        )
        return _usage(rows[0]) if rows else Usage()

    async def series(
        self, tenant_id: str, rng: TimeRange, tier: str = ""
    ) -> list[tuple[int, Usage]]:
        sql = (
            f"SELECT toInt64(toUnixTimestamp(hour)) * 1000 AS h, {_MEASURES} "
            f"FROM usage_hourly {_WHERE} GROUP BY h ORDER BY h"
        )
        rows = await self._wh.rows(sql, parameters=_params(tenant_id, rng, tier))
        return [(int(r[0]), _usage(r[1:])) for r in rows]
