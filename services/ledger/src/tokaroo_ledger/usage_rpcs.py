"""The usage RPCs of the LedgerService (ListUsage, UsageSummary): filters and paging from
protobuf, records back. Raises Tokaroo errors, which the servicer's `@rpc` maps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tokaroo_common.errors import InvalidRequest
from tokaroo_proto.ledger.v1 import ledger_pb2

from tokaroo_ledger import cursor
from tokaroo_ledger.key_controls import from_unix_ms
from tokaroo_ledger.key_rpcs import unix_ms
from tokaroo_ledger.models import UsageFilter, parse_id
from tokaroo_ledger.usage_store import UsageStore

DEFAULT_USAGE_LIMIT = 50
MAX_USAGE_LIMIT = 100
SUMMARY_DEFAULT_DAYS = 30
SUMMARY_MAX_DAYS = 400
CACHE_OUTCOMES = ("", "miss", "exact", "semantic")
MAX_TIER = 64


def usage_limit(requested: int) -> int:
    if requested == 0:
        return DEFAULT_USAGE_LIMIT
    if not 1 <= requested <= MAX_USAGE_LIMIT:
        raise InvalidRequest(f"limit must be between 1 and {MAX_USAGE_LIMIT}.", param="limit")
    return requested


def usage_filter(
    key_id: str, tier: str, cache_outcome: str, since_ms: int, until_ms: int
) -> UsageFilter | None:
    """The validated filter; None when it names a key that cannot exist (no rows). Pure."""
    key = parse_id(key_id) if key_id else None
    if key_id and key is None:
        return None
    if cache_outcome not in CACHE_OUTCOMES:
        raise InvalidRequest("cache must be one of miss, exact, semantic.", param="cache")
    if len(tier) > MAX_TIER:
        raise InvalidRequest("tier is too long.", param="tier")
    return UsageFilter(key, tier, cache_outcome, from_unix_ms(since_ms), from_unix_ms(until_ms))


class UsageRpcs:
    def __init__(self, store: UsageStore) -> None:
        self._store = store

    async def list(self, request: ledger_pb2.ListUsageRequest) -> ledger_pb2.ListUsageResponse:
        limit = usage_limit(request.limit)
        before = cursor.decode(request.cursor) if request.cursor else None
        tenant_id = parse_id(request.tenant_id)
        flt = usage_filter(
            request.key_id,
            request.tier,
            request.cache_outcome,
            request.since_unix_ms,
            request.until_unix_ms,
        )
        if tenant_id is None or flt is None:
            return ledger_pb2.ListUsageResponse()
        rows = await self._store.list_usage(tenant_id, limit + 1, before, flt)
        page = rows[:limit]
        next_cursor = (
            cursor.encode(page[-1].created_at, page[-1].request_id) if len(rows) > limit else ""
        )
        return ledger_pb2.ListUsageResponse(
            next_cursor=next_cursor,
            records=[
                ledger_pb2.UsageRecord(
                    id=r.request_id,
                    tier=r.tier,
                    input_tokens=r.input_tokens,
                    output_tokens=r.output_tokens,
                    charged_nano=r.charged_nano,
                    latency_ms=r.latency_ms,
                    created_at_unix_ms=unix_ms(r.created_at),
                    cache_outcome=r.cache_outcome,
                    status=r.status,
                    key_id=str(r.key_id) if r.key_id else "",
                    error_code=r.error_code,
                    cached_tokens=r.cached_tokens,
                )
                for r in page
            ],
        )

    async def summary(
        self, request: ledger_pb2.UsageSummaryRequest
    ) -> ledger_pb2.UsageSummaryResponse:
        tenant_id = parse_id(request.tenant_id)
        now = datetime.now(UTC)
        until = from_unix_ms(request.until_unix_ms) or now
        since = from_unix_ms(request.since_unix_ms) or until - timedelta(days=SUMMARY_DEFAULT_DAYS)
        if since >= until or until - since > timedelta(days=SUMMARY_MAX_DAYS):
            raise InvalidRequest(
                f"The range must be positive and at most {SUMMARY_MAX_DAYS} days.", param="since"
            )
        flt = usage_filter(request.key_id, "", "", unix_ms(since), unix_ms(until))
        if tenant_id is None or flt is None:
            return ledger_pb2.UsageSummaryResponse()
        buckets = await self._store.summary(tenant_id, flt)
        return ledger_pb2.UsageSummaryResponse(
            buckets=[
                ledger_pb2.UsageBucket(
                    day=b.day,
                    tier=b.tier,
                    cache_outcome=b.cache_outcome,
                    requests=b.requests,
                    charged_nano=b.charged_nano,
                    baseline_nano=b.baseline_nano,
                    input_tokens=b.input_tokens,
                    output_tokens=b.output_tokens,
                )
                for b in buckets
            ]
        )
