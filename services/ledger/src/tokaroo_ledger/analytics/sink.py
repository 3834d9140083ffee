"""The analytics sink: completion events batched into ClickHouse, on the one durable
JetStream consumer of tokaroo_common.jetstream (`run_pull_consumer`).

Batches are bounded by size (`batch` messages) and by time (`batch_wait_s` after the first
message of the batch arrived). This handler decodes a batch and inserts it; the consumer loop
acks it only after the insert succeeded, nak's it (redelivery) when the insert raises, and
copies the undecodable messages it returns to the dead-letter subject. The writer drops
redelivered events by request_id.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from opentelemetry.trace import Tracer
from tokaroo_common.jetstream import ConsumerOptions, run_pull_consumer
from tokaroo_common.telemetry import traced_handler

from tokaroo_ledger.analytics.rows import BadEvent, decode
from tokaroo_ledger.analytics.writer import EventWriter

log = logging.getLogger(__name__)


@dataclass
class SinkStats:
    batches: int = 0
    received: int = 0
    inserted: int = 0
    duplicates: int = 0
    poison: int = 0
    failed_batches: int = 0


class AnalyticsSink:
    def __init__(
        self,
        nc: NATS,
        writer: EventWriter,
        opts: ConsumerOptions,
        tracer: Tracer | None = None,
    ) -> None:
        self._nc = nc
        self._writer = writer
        self._opts = opts
        self._tracer = tracer
        self.stats = SinkStats()

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set; each event's span joins its request's trace."""
        handler = traced_handler(self._tracer, self._opts.durable, self.handle)
        await run_pull_consumer(self._nc, self._opts, handler, stop)

    async def handle(self, msgs: Sequence[Msg]) -> list[Msg]:
        """Insert a batch; return its poison messages. Raises to have it redelivered."""
        good = 0
        poison: list[Msg] = []
        events = []
        for msg in msgs:
            try:
                events.append(decode(msg.data))
                good += 1
            except BadEvent as exc:
                log.error("poison analytics event", extra={"error": str(exc)})
                poison.append(msg)
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            result = await self._writer.write(events)
        except Exception:
            self.stats.failed_batches += 1
            raise
        s = self.stats
        s.batches += 1
        s.received += result.received
        s.inserted += result.inserted
        s.duplicates += result.duplicates
        s.poison += len(poison)
        log.info(
            "analytics batch inserted",
            extra={
                "received": result.received,
                "inserted": result.inserted,
                "duplicates": result.duplicates,
                "poison": len(poison),
                "n": good,
                "total_inserted": s.inserted,
                "write_ms": round((loop.time() - started) * 1000),
            },
        )
        return poison
