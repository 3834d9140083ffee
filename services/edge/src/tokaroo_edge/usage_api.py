"""The JSON of GET /v1/usage/summary, pure: the ledger's per-day buckets as days with totals
by tier and by cache outcome, plus the savings against the market baseline."""

from __future__ import annotations

from typing import Any

from tokaroo_common.money import format_usd
from tokaroo_proto.ledger.v1 import ledger_pb2

from tokaroo_edge.key_api import usd_number


def summary_json(resp: ledger_pb2.UsageSummaryResponse) -> dict[str, Any]:
    days: dict[str, dict[str, Any]] = {}
    totals = {"requests": 0, "charged": 0, "baseline": 0}
    for b in resp.buckets:
        day = days.setdefault(
            b.day,
            {
                "date": b.day,
                "requests": 0,
                "charged": 0,
                "baseline": 0,
                "by_tier": {},
                "by_cache": {},
                "input_tokens": 0,
                "output_tokens": 0,
            },
        )
        day["requests"] += b.requests
        day["charged"] += b.charged_nano
        day["baseline"] += b.baseline_nano
        day["input_tokens"] += b.input_tokens
        day["output_tokens"] += b.output_tokens
        tier = b.tier or "unknown"
        day["by_tier"][tier] = day["by_tier"].get(tier, 0) + b.requests
        day["by_cache"][b.cache_outcome] = day["by_cache"].get(b.cache_outcome, 0) + b.requests
        totals["requests"] += b.requests
        totals["charged"] += b.charged_nano
        totals["baseline"] += b.baseline_nano
    data = [_day(d) for d in days.values()]
    saved = max(totals["baseline"] - totals["charged"], 0)
    return {
        "object": "usage.summary",
        "data": data,
        "requests": totals["requests"],
        "spend_usd": usd_number(totals["charged"]),
        "spend_usd_exact": format_usd(totals["charged"]),
        "baseline_usd": usd_number(totals["baseline"]),
        "saved_usd": usd_number(saved),
        "saved_usd_exact": format_usd(saved),
    }


def _day(d: dict[str, Any]) -> dict[str, Any]:
    saved = max(d["baseline"] - d["charged"], 0)
    return {
        "date": d["date"],
        "requests": d["requests"],
        "spend_usd": usd_number(d["charged"]),
        "spend_usd_exact": format_usd(d["charged"]),
        "baseline_usd": usd_number(d["baseline"]),
        "saved_usd": usd_number(saved),
        "input_tokens": d["input_tokens"],
        "output_tokens": d["output_tokens"],
        "by_tier": d["by_tier"],
        "by_cache": d["by_cache"],
    }
