"""NATS JetStream helpers: connect, ensure the stream, publish idempotently, consume durably.

- Stream `TOKAROO` holds subjects `tokaroo.events.>`; every publish carries `Nats-Msg-Id` so the
  server drops duplicates inside its window; consumers are idempotent on top of that.
- `run_pull_consumer` is a durable pull consumer with explicit acks (`ack_sync`), redelivery of
  failed batches (`nak` with delay), poison messages terminated and copied to a dead-letter
  subject, and a graceful stop: the current batch finishes, then the loop returns.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import nats
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig
from nats.js.errors import NotFoundError

STREAM = "TOKAROO"
SUBJECTS = ["tokaroo.events.>"]
COMPLETION_SUBJECT = "tokaroo.events.completion"
DLQ_PREFIX = "tokaroo.dlq."

log = logging.getLogger(__name__)

BatchHandler = Callable[[Sequence[Msg]], Awaitable[Sequence[Msg]]]
"""Processes a batch; returns the messages that are poison (never retried)."""


async def connect(url: str, name: str, *, first_connect_timeout_s: float = 60.0) -> NATS:
    """Connect with endless reconnects, so a NATS restart is ridden out. The first connection
    is retried too (services may start before NATS is up)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + first_connect_timeout_s
    while True:
        try:
            # nats-py itself retries a first connection forever when reconnects are
            # unlimited: the deadline is enforced here.
            return await asyncio.wait_for(nats.connect(
                url, name=name, max_reconnect_attempts=-1, reconnect_time_wait=0.25,
                connect_timeout=2, allow_reconnect=True,
            ), timeout=max(deadline - loop.time(), 0.1))
        except Exception as exc:  # NoServersError, OSError, TimeoutError until the deadline
            if loop.time() >= deadline:
                raise
            log.info("waiting for NATS", extra={"error": repr(exc)})
            await asyncio.sleep(0.25)


async def ensure_stream(js: JetStreamContext, *, duplicate_window_s: float = 600.0) -> None:
    config = StreamConfig(name=STREAM, subjects=SUBJECTS + [DLQ_PREFIX + ">"],
                          duplicate_window=duplicate_window_s)
    try:
        await js.stream_info(STREAM)
        await js.update_stream(config)
    except NotFoundError:
        await js.add_stream(config)


async def publish(js: JetStreamContext, subject: str, data: bytes, msg_id: str,
                  *, timeout: float = 2.0, headers: dict[str, str] | None = None) -> None:
    hdrs = {"Nats-Msg-Id": msg_id, **(headers or {})}
    await js.publish(subject, data, timeout=timeout, headers=hdrs)


@dataclass(frozen=True)
class ConsumerOptions:
    durable: str
    subject: str = COMPLETION_SUBJECT
    batch: int = 256
    fetch_timeout_s: float = 1.0
    ack_wait_s: float = 30.0
    max_deliver: int = -1  # never drop a message after N failures (a charge must not vanish)
    nak_delay_s: float = 1.0


async def _ensure_consumer(js: JetStreamContext,
                           opts: ConsumerOptions) -> JetStreamContext.PullSubscription:
    config = ConsumerConfig(durable_name=opts.durable, ack_policy=AckPolicy.EXPLICIT,
                            ack_wait=opts.ack_wait_s, max_deliver=opts.max_deliver,
                            filter_subject=opts.subject, max_ack_pending=opts.batch * 8)
    return await js.pull_subscribe(opts.subject, durable=opts.durable, stream=STREAM,
                                   config=config)


async def run_pull_consumer(nc: NATS, opts: ConsumerOptions, handler: BatchHandler,
                            stop: asyncio.Event) -> None:
    """Fetch batches until `stop` is set. Acks only after `handler` returned. On return the
    subscription is removed, so a following `drain()` does not wait on it."""
    js = nc.jetstream()
    sub: JetStreamContext.PullSubscription | None = None
    try:
        while not stop.is_set():
            try:
                if sub is None:
                    await ensure_stream(js)
                    sub = await _ensure_consumer(js, opts)
                try:
                    msgs = await sub.fetch(opts.batch, timeout=opts.fetch_timeout_s)
                except NatsTimeoutError:
                    continue
                await _handle_batch(js, msgs, handler, opts)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the loop must survive NATS restarts and handler bugs
                log.warning("consumer loop error, retrying",
                            extra={"error": repr(exc), "durable": opts.durable})
                sub = None if not nc.is_connected else sub
                await _sleep_or_stop(stop, 0.5)
    finally:
        if sub is not None:
            try:
                await sub.unsubscribe()
            except Exception as exc:  # already closed or disconnected: nothing to release
                log.debug("unsubscribe failed", extra={"error": repr(exc)})


async def _handle_batch(js: JetStreamContext, msgs: Sequence[Msg], handler: BatchHandler,
                        opts: ConsumerOptions) -> None:
    try:
        poison = await handler(msgs)
    except Exception as exc:
        log.warning("batch failed, redelivering", extra={"error": repr(exc), "n": len(msgs)})
        for msg in msgs:
            await msg.nak(delay=opts.nak_delay_s)
        return
    poison_ids = {id(m) for m in poison}
    for msg in msgs:
        if id(msg) in poison_ids:
            await js.publish(DLQ_PREFIX + opts.durable, msg.data,
                             headers=dead_letter_headers(msg.headers))
            await msg.term()
    # Confirmed acks, pipelined: one round trip for the batch instead of one per message.
    await asyncio.gather(*(m.ack_sync() for m in msgs if id(m) not in poison_ids))


def dead_letter_headers(headers: dict[str, str] | None) -> dict[str, str]:
    """The poison message's headers for its dead-letter copy. Its Nats-Msg-Id moves to
    Tokaroo-Original-Msg-Id: the stream would otherwise drop the copy as a duplicate."""
    out = {k: v for k, v in (headers or {}).items() if k != "Nats-Msg-Id"}
    if headers and "Nats-Msg-Id" in headers:
        out["Tokaroo-Original-Msg-Id"] = headers["Nats-Msg-Id"]
    return out


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass
