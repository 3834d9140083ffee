"""Exactly-once in ClickHouse: duplicates within a batch, redelivered batches and retried
inserts must neither appear twice in the raw table nor be counted twice by the rollups."""

from __future__ import annotations

import hashlib

from tokaroo_ledger.analytics.rows import COLUMNS, TABLE, to_row
from tokaroo_ledger.analytics.synthetic import make_events
from tokaroo_ledger.analytics.warehouse import Warehouse
from tokaroo_ledger.analytics.writer import EventWriter


async def test_duplicates_in_and_across_batches_are_written_once(
    warehouse: Warehouse, totals, rollup_totals
) -> None:
    events = list(make_events(3000, seed=1))
    writer = EventWriter(warehouse)
    first = await writer.write(events[:1500] + events[:200])  # duplicates inside the batch
    assert (first.received, first.inserted) == (1700, 1500)
    again = await writer.write(events[1000:2000])  # a redelivered, overlapping batch
    assert (again.received, again.inserted) == (1000, 500)
    rest = await writer.write(events[2000:] + events[:3000])
    assert rest.inserted == 1000
    ((count, unique),) = await warehouse.rows(
        "SELECT count(), uniqExact(request_id) FROM completion_events"
    )
    assert count == unique == 3000  # not even transiently duplicated (no FINAL needed)
    rollup, raw = await rollup_totals(warehouse)
    assert rollup == raw == totals(events)
    ((providers,),) = await warehouse.rows("SELECT sum(requests) FROM provider_hourly")
    assert providers == 3000


async def test_a_retried_insert_block_is_dropped_with_its_rollup(
    warehouse: Warehouse, totals, rollup_totals
) -> None:
    """An insert retried after an ambiguous failure (it had in fact landed) carries the same
    deduplication token: ClickHouse drops the block and the materialized views' blocks."""
    events = list(make_events(500, seed=2))
    rows = [to_row(e) for e in events]
    token = hashlib.sha256("\n".join(sorted(e.request_id for e in events)).encode()).hexdigest()
    settings = {
        "insert_deduplication_token": token,
        "deduplicate_blocks_in_dependent_materialized_views": 1,
    }
    for _ in range(2):
        await warehouse.insert(TABLE, rows, COLUMNS, settings=settings)
    rollup, raw = await rollup_totals(warehouse)
    assert rollup == raw == totals(events)


async def test_raw_queries_use_final_when_a_duplicate_slipped_in(
    warehouse: Warehouse, totals
) -> None:
    """Rows written around the sink (a manual backfill) can duplicate a request_id; reads of
    the raw table use FINAL, so each request still counts once."""
    events = list(make_events(200, seed=3))
    await EventWriter(warehouse).write(events)
    await warehouse.insert(TABLE, [to_row(e) for e in events[:50]], COLUMNS)
    ((plain,),) = await warehouse.rows("SELECT count() FROM completion_events")
    ((final, charged),) = await warehouse.rows(
        "SELECT count(), sum(charged_nano) FROM completion_events FINAL"
    )
    assert plain == 250
    assert (final, charged) == (200, totals(events).charged_nano)
