"""Exactly-once writes of completion events into `completion_events`.

Delivery is at least once (a sink can die after its insert and before its acks; an outbox can
republish after the JetStream duplicate window). The materialized views roll up every
inserted row, so a request inserted twice would be counted twice in the rollups even though
ReplacingMergeTree later collapses it in the raw table. Hence, per batch:

1. keep one event per request_id;
2. drop the request_ids that are already in the table (a bloom-filter-indexed lookup
   bounded by the batch's tenants and created_at range: duplicates carry the same values);
3. insert the rest as one block with an `insert_deduplication_token` derived from its
   request_ids, so an insert retried after an ambiguous failure is dropped by ClickHouse
   together with its materialized-view blocks.

One sink writes at a time (single replica; JetStream hands a message to one consumer at a
time), so the check-then-insert has no concurrent writer to race with.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from tokaroo_proto.events.v1 import events_pb2

from tokaroo_ledger.analytics.rows import COLUMNS, TABLE, first_per_request, to_row, without
from tokaroo_ledger.analytics.warehouse import Warehouse

_EXISTING = f"""
SELECT DISTINCT request_id FROM {TABLE}
WHERE tenant_id IN {{tenants:Array(String)}}
  AND created_at BETWEEN fromUnixTimestamp64Milli({{lo:Int64}}, 'UTC')
                     AND fromUnixTimestamp64Milli({{hi:Int64}}, 'UTC')
  AND request_id IN {{ids:Array(String)}}
"""


@dataclass(frozen=True)
class WriteResult:
    received: int
    inserted: int

    @property
    def duplicates(self) -> int:
        return self.received - self.inserted


class EventWriter:
    def __init__(self, warehouse: Warehouse) -> None:
        self._wh = warehouse

    async def write(self, events: Sequence[events_pb2.CompletionEvent]) -> WriteResult:
        unique = first_per_request(events)
        if not unique:
            return WriteResult(len(events), 0)
        fresh = without(unique, await self.existing(unique))
        if fresh:
            token = hashlib.sha256(
                "\n".join(sorted(e.request_id for e in fresh)).encode()
            ).hexdigest()
            await self._wh.insert(
                TABLE,
                [to_row(e) for e in fresh],
                COLUMNS,
                settings={
                    "insert_deduplication_token": token,
                    "deduplicate_blocks_in_dependent_materialized_views": 1,
                },
            )
        return WriteResult(len(events), len(fresh))

    async def existing(self, events: Sequence[events_pb2.CompletionEvent]) -> set[str]:
        rows = await self._wh.rows(
            _EXISTING,
            parameters={
                "tenants": sorted({e.tenant_id for e in events}),
                "lo": min(e.created_at_unix_ms for e in events),
                "hi": max(e.created_at_unix_ms for e in events),
                "ids": [e.request_id for e in events],
            },
        )
        return {str(r[0]) for r in rows}
