"""Per-request usage of a tenant: the history (paged, filtered) and per-day totals for
charts. Every query filters on tenant_id."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from tokaroo_ledger.models import UsageBucket, UsageFilter, UsageRecord

_USAGE_COLS = (
    "request_id, tier, input_tokens, output_tokens, charged_nano, latency_ms, "
    "created_at, cache_outcome, status, key_id, error_code, cached_tokens"
)
MAX_SUMMARY_ROWS = 10_000


def usage_record(row: Any) -> UsageRecord:
    return UsageRecord(
        row["request_id"],
        row["tier"],
        row["input_tokens"],
        row["output_tokens"],
        row["charged_nano"],
        row["latency_ms"],
        row["created_at"],
        row["cache_outcome"],
        row["status"],
        row["key_id"],
        row["error_code"],
        row["cached_tokens"],
    )


def where(tenant_id: uuid.UUID, flt: UsageFilter) -> tuple[str, list[Any]]:
    """The WHERE clause (tenant first, always) and its arguments. Pure. A request refused
    before it was routed (a malformed body, a rate limit, no capacity, the router away) has
    no tier and charged nothing: it is in the analytics' error counts, not in the usage a
    tenant reads, whose every row has a tier."""
    args: list[Any] = [tenant_id]
    parts = ["tenant_id = $1", "tier <> ''"]

    def add(sql: str, value: Any) -> None:
        args.append(value)
        parts.append(sql.format(f"${len(args)}"))

    if flt.key_id is not None:
        add("key_id = {}", flt.key_id)
    if flt.tier:
        add("tier = {}", flt.tier)
    if flt.cache_outcome == "miss":  # older rows may carry an empty outcome
        add("coalesce(nullif(cache_outcome, ''), 'miss') = {}", "miss")
    elif flt.cache_outcome:
        add("cache_outcome = {}", flt.cache_outcome)
    if flt.since is not None:
        add("created_at >= {}", flt.since)
    if flt.until is not None:
        add("created_at < {}", flt.until)
    return " AND ".join(parts), args


class UsageStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def list_usage(
        self,
        tenant_id: uuid.UUID,
        limit: int,
        before: tuple[datetime, str] | None,
        flt: UsageFilter | None = None,
    ) -> list[UsageRecord]:
        """Newest first; `before` is the (created_at, request_id) of the last row seen."""
        clause, args = where(tenant_id, flt or UsageFilter())
        if before is not None:
            args += [before[0], before[1]]
            clause += f" AND (created_at, request_id) < (${len(args) - 1}, ${len(args)})"
        args.append(limit)
        rows = await self._pool.fetch(
            f"SELECT {_USAGE_COLS} FROM usage WHERE {clause} "
            f"ORDER BY created_at DESC, request_id DESC LIMIT ${len(args)}",
            *args,
        )
        return [usage_record(r) for r in rows]

    async def summary(self, tenant_id: uuid.UUID, flt: UsageFilter) -> list[UsageBucket]:
        """Totals per UTC day, tier and cache outcome, oldest day first."""
        clause, args = where(tenant_id, flt)
        rows = await self._pool.fetch(
            f"SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, tier, "
            f"coalesce(nullif(cache_outcome, ''), 'miss') AS cache, count(*) AS requests, "
            f"sum(charged_nano)::bigint AS charged, sum(baseline_cost_nano)::bigint AS baseline,"
            f" sum(input_tokens)::bigint AS input, sum(output_tokens)::bigint AS output "
            f"FROM usage WHERE {clause} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 "
            f"LIMIT {MAX_SUMMARY_ROWS}",
            *args,
        )
        return [
            UsageBucket(
                r["day"],
                r["tier"],
                r["cache"],
                r["requests"],
                r["charged"],
                r["baseline"],
                r["input"],
                r["output"],
            )
            for r in rows
        ]
