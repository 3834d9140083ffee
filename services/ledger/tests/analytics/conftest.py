"""Fixtures for the analytics tests: a fresh migrated chDB warehouse per test (closed at the
end: one process may hold one chDB path at a time) and synthetic events."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from tokaroo_ledger.analytics.migrate import migrate
from tokaroo_ledger.analytics.warehouse import Warehouse
from tokaroo_proto.events.v1 import events_pb2


@dataclass(frozen=True)
class Totals:
    requests: int
    charged_nano: int
    baseline_cost_nano: int
    upstream_cost_nano: int
    input_tokens: int
    output_tokens: int
    exact: int
    semantic: int
    errors: int
    fallbacks: int


def totals_of(events: list[events_pb2.CompletionEvent]) -> Totals:
    unique = {e.request_id: e for e in reversed(events)}.values()
    return Totals(
        requests=len(unique),
        charged_nano=sum(e.charged_nano for e in unique),
        baseline_cost_nano=sum(e.baseline_cost_nano for e in unique),
        upstream_cost_nano=sum(e.upstream_cost_nano for e in unique),
        input_tokens=sum(e.input_tokens for e in unique),
        output_tokens=sum(e.output_tokens for e in unique),
        exact=sum(e.cache_outcome == "exact" for e in unique),
        semantic=sum(e.cache_outcome == "semantic" for e in unique),
        errors=sum(e.status == "error" for e in unique),
        fallbacks=sum(e.attempts > 1 for e in unique),
    )


@pytest.fixture
def totals() -> Callable[[list[events_pb2.CompletionEvent]], Totals]:
    return totals_of


ROLLUP_TOTALS = """
SELECT sum(requests), sum(charged_nano), sum(baseline_cost_nano), sum(upstream_cost_nano),
       sum(input_tokens), sum(output_tokens), sum(cache_exact), sum(cache_semantic),
       sum(errors), sum(fallbacks)
FROM usage_hourly
"""
RAW_TOTALS = """
SELECT count(), sum(charged_nano), sum(baseline_cost_nano), sum(upstream_cost_nano),
       sum(input_tokens), sum(output_tokens), countIf(cache_outcome = 'exact'),
       countIf(cache_outcome = 'semantic'), countIf(status = 'error'), countIf(attempts > 1)
FROM completion_events FINAL
"""


@pytest.fixture
def rollup_totals() -> Callable[[Warehouse], object]:
    async def read(wh: Warehouse) -> tuple[Totals, Totals]:
        rollup = (await wh.rows(ROLLUP_TOTALS))[0]
        raw = (await wh.rows(RAW_TOTALS))[0]
        return Totals(*(int(v) for v in rollup)), Totals(*(int(v) for v in raw))

    return read


@pytest.fixture
async def warehouse(tmp_path: Path) -> AsyncIterator[Warehouse]:
    wh = Warehouse.open(f"chdb://{tmp_path / 'ch'}", "tokaroo")
    try:
        await migrate(wh)
        yield wh
    finally:
        wh.close()
