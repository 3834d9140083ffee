"""The analytics sink: a durable JetStream pull consumer batching events into ClickHouse.

Batches are bounded by size (`batch_max` messages) and by time (`batch_max_wait_s` after the
first message of the batch arrived). A batch is acked only after its insert succeeded; when
the insert fails the batch is nak'ed and redelivered. Undecodable messages are copied to the
dead-letter subject and terminated. On stop, the current batch is finished first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from opentelemetry.trace import Tracer
from tokaroo_common.jetstream import COMPLETION_SUBJECT, DLQ_PREFIX, STREAM, ensure_stream
from tokaroo_common.telemetry import consume_batch

from tokaroo_ledger.analytics.puller import BatchPuller, ConsumerGoneError
from tokaroo_ledger.analytics.rows import BadEvent, decode
from tokaroo_ledger.analytics.writer import EventWriter

log = logging.getLogger(__name__)
_FLUSH_TIMEOUT_S = 10


@dataclass(frozen=True)
class SinkOptions:
    durable: str = "analytics-sink"
    subject: str = COMPLETION_SUBJECT
    batch_max: int = 5000
    batch_max_wait_s: float = 1.0
    fetch_size: int = 1000
    idle_poll_s: float = 1.0
    ack_wait_s: float = 30.0
    max_deliver: int = -1  # never drop an event after N failed deliveries
    nak_delay_s: float = 1.0
    pause_after_insert_s: float = 0.0  # fault injection for crash tests


@dataclass
class SinkStats:
    batches: int = 0
    received: int = 0
    inserted: int = 0
    duplicates: int = 0
    poison: int = 0
    failed_batches: int = 0


class AnalyticsSink:
    def __init__(self, nc: NATS, writer: EventWriter, opts: SinkOptions,
                 tracer: Tracer | None = None) -> None:
        self._nc = nc
        self._writer = writer
        self._opts = opts
        self._tracer = tracer
        self.stats = SinkStats()

    async def run(self, stop: asyncio.Event) -> None:
        js = self._nc.jetstream()
        puller: BatchPuller | None = None
        try:
            while not stop.is_set():
                try:
                    if puller is None:
                        await ensure_stream(js)
                        await self._ensure_consumer(js)
                        puller = BatchPuller(self._nc, STREAM, self._opts.durable)
                        await puller.start()
                    await self._pipeline(js, puller, stop)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # survive NATS restarts and ClickHouse outages
                    log.warning("analytics sink loop error, retrying",
                                extra={"error": repr(exc)}, exc_info=True)
                    if puller is not None and (isinstance(exc, ConsumerGoneError)
                                               or not self._nc.is_connected):
                        await _quietly(puller.stop())
                        puller = None
                    try:
                        await asyncio.wait_for(stop.wait(), timeout=0.5)
                    except TimeoutError:
                        pass
        finally:
            if puller is not None:
                await _quietly(puller.stop())

    async def _pipeline(self, js: JetStreamContext, puller: BatchPuller,
                        stop: asyncio.Event) -> None:
        """Collect batch N+1 while batch N is written and acked (the insert runs in a worker
        thread, so pulling and decoding overlap with it). Returns after a batch is handled
        once `stop` is set; an exception leaves the unhandled batch unacked (redelivered)."""
        msgs = await self._collect(puller)
        while msgs:
            handling = asyncio.create_task(self._traced_handle(js, msgs))
            try:
                msgs = [] if stop.is_set() else await self._collect(puller)
            finally:
                await handling

    async def _traced_handle(self, js: JetStreamContext, msgs: Sequence[Msg]) -> None:
        """`_handle` in a batch span; each event's span joins its request's trace."""
        with consume_batch(self._tracer, self._opts.durable, [m.headers for m in msgs]):
            await self._handle(js, msgs)

    async def _ensure_consumer(self, js: JetStreamContext) -> None:
        o = self._opts
        try:
            await js.consumer_info(STREAM, o.durable)
            return
        except NotFoundError:
            pass
        await js.add_consumer(STREAM, ConsumerConfig(
            durable_name=o.durable, ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL, ack_wait=o.ack_wait_s,
            max_deliver=o.max_deliver, filter_subject=o.subject,
            max_ack_pending=max(o.batch_max * 4, 1000), max_waiting=64))

    async def _collect(self, puller: BatchPuller) -> list[Msg]:
        """Pull until `batch_max` messages or `batch_max_wait_s` after the first arrived."""
        loop = asyncio.get_running_loop()
        batch: list[Msg] = []
        deadline: float | None = None
        while len(batch) < self._opts.batch_max:
            timeout = (self._opts.idle_poll_s if deadline is None
                       else deadline - loop.time())
            if timeout < 0.01:
                break
            want = min(self._opts.fetch_size, self._opts.batch_max - len(batch))
            got = await puller.pull(want, timeout)
            if not got:
                break
            batch.extend(got)
            if deadline is None:
                deadline = loop.time() + self._opts.batch_max_wait_s
        return batch

    async def _handle(self, js: JetStreamContext, msgs: Sequence[Msg]) -> None:
        good: list[Msg] = []
        poison: list[Msg] = []
        events = []
        for msg in msgs:
            try:
                events.append(decode(msg.data))
                good.append(msg)
            except BadEvent as exc:
                log.error("poison analytics event", extra={"error": str(exc)})
                poison.append(msg)
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            result = await self._writer.write(events)
        except Exception as exc:
            self.stats.failed_batches += 1
            log.warning("analytics insert failed, redelivering",
                        extra={"error": repr(exc), "n": len(good)})
            await asyncio.gather(*(m.nak(delay=self._opts.nak_delay_s) for m in good))
            return
        s = self.stats
        s.batches += 1
        s.received += result.received
        s.inserted += result.inserted
        s.duplicates += result.duplicates
        s.poison += len(poison)
        log.info("analytics batch inserted", extra={
            "received": result.received, "inserted": result.inserted,
            "duplicates": result.duplicates, "poison": len(poison),
            "total_inserted": s.inserted, "write_ms": round((loop.time() - started) * 1000)})
        if self._opts.pause_after_insert_s:
            await asyncio.sleep(self._opts.pause_after_insert_s)
        for msg in poison:
            await self._dead_letter(js, msg)
        # The acks go out only now, after the insert. One flush (PING/PONG) confirms the
        # server has read them all, instead of one request per message (`ack_sync`); an ack
        # lost in a crash only causes a redelivery, which the writer drops as a duplicate.
        for msg in good:
            await msg.ack()
        await self._nc.flush(timeout=_FLUSH_TIMEOUT_S)
        log.debug("analytics batch acked", extra={"n": len(good),
                                                  "ack_ms": round((loop.time() - started) * 1000)})

    async def _dead_letter(self, js: JetStreamContext, msg: Msg) -> None:
        """Copy to the dead-letter subject, then terminate. The copy gets its own msg id:
        with the original `Nats-Msg-Id` the stream would drop it as a duplicate."""
        headers = dict(msg.headers or {})
        original = headers.pop("Nats-Msg-Id", "")
        headers["Nats-Msg-Id"] = f"{self._opts.durable}/dlq/{original or id(msg)}"
        headers["Tokaroo-Original-Msg-Id"] = original
        await js.publish(DLQ_PREFIX + self._opts.durable, msg.data, headers=headers)
        await msg.term()


async def _quietly(step: Awaitable[None]) -> None:
    try:
        await step
    except Exception as exc:  # cleanup on an already broken connection
        log.debug("analytics sink cleanup failed", extra={"error": repr(exc)})
