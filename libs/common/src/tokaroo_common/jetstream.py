"""NATS JetStream helpers: connect, ensure the stream, publish idempotently, consume durably.

- Stream `TOKAROO` holds subjects `tokaroo.events.>`; every publish carries `Nats-Msg-Id` so the
  server drops duplicates inside its window; consumers are idempotent on top of that.
- `run_pull_consumer` is the one durable pull consumer of every service (ledger settlement,
  analytics sink): batch pulls without a task per message (`pull.BatchPuller`), the next batch
  pulled while one is handled, explicit acks after the handler committed, redelivery of failed
  batches (`nak` with delay) bounded by `max_deliver` when set, poison messages terminated and
  copied to `tokaroo.dlq.<durable>`, and a graceful stop: the batch in hand finishes, then the
  loop returns.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import nats
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StreamConfig
from nats.js.errors import NotFoundError
from tokaroo_proto.events.v1 import events_pb2

from tokaroo_common.pull import BatchPuller, ConsumerGoneError

STREAM = "TOKAROO"
SUBJECTS = ["tokaroo.events.>"]
COMPLETION_SUBJECT = "tokaroo.events.completion"
DLQ_PREFIX = "tokaroo.dlq."

log = logging.getLogger(__name__)
_FLUSH_TIMEOUT_S = 10

BatchHandler = Callable[[Sequence[Msg]], Awaitable[Sequence[Msg]]]
"""Processes a batch; returns the messages that are poison (never retried)."""


def server_urls(url: str) -> list[str]:
    """`nats://a:1,nats://b:2` (the nodes of a cluster, as `TOKAROO_NATS_URL`) as a list. Pure."""
    return [u.strip() for u in url.split(",") if u.strip()]


async def connect(url: str, name: str, *, first_connect_timeout_s: float = 60.0) -> NATS:
    """Connect with endless reconnects, so a NATS restart is ridden out. The first connection
    is retried too (services may start before NATS is up). `url` may list several servers,
    comma-separated: a cluster's nodes (the client also learns the others from the first)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + first_connect_timeout_s
    while True:
        try:
            # nats-py itself retries a first connection forever when reconnects are
            # unlimited: the deadline is enforced here.
            return await asyncio.wait_for(
                nats.connect(
                    server_urls(url),
                    name=name,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=0.25,
                    connect_timeout=2,
                    allow_reconnect=True,
                ),
                timeout=max(deadline - loop.time(), 0.1),
            )
        except Exception as exc:  # NoServersError, OSError, TimeoutError until the deadline
            if loop.time() >= deadline:
                raise
            log.info("waiting for NATS", extra={"error": repr(exc)})
            await asyncio.sleep(0.25)


def stream_config(duplicate_window_s: float, replicas: int) -> StreamConfig:
    return StreamConfig(
        name=STREAM,
        subjects=SUBJECTS + [DLQ_PREFIX + ">"],
        duplicate_window=duplicate_window_s,
        num_replicas=replicas,
    )


async def ensure_stream(
    js: JetStreamContext, *, duplicate_window_s: float = 600.0, replicas: int | None = None
) -> None:
    """Create or update the stream. `replicas=None` keeps the replica count the stream has
    (1 for a new one): every service calls this at start, and only the one who sets up a
    cluster (the stack launcher, the Kubernetes NATS Job) asks for 3, so nobody scales the
    stream back down."""
    try:
        info = await js.stream_info(STREAM)
    except NotFoundError:
        await js.add_stream(stream_config(duplicate_window_s, replicas or 1))
        return
    keep = replicas or (info.config.num_replicas if info.config else None) or 1
    await js.update_stream(stream_config(duplicate_window_s, keep))


async def publish(
    js: JetStreamContext,
    subject: str,
    data: bytes,
    msg_id: str,
    *,
    timeout: float = 2.0,
    headers: dict[str, str] | None = None,
) -> None:
    hdrs = {"Nats-Msg-Id": msg_id, **(headers or {})}
    await js.publish(subject, data, timeout=timeout, headers=hdrs)


@dataclass(frozen=True)
class ConsumerOptions:
    durable: str
    subject: str = COMPLETION_SUBJECT
    batch: int = 256  # the most messages handed to the handler at once
    fetch_size: int | None = None  # the most asked for in one pull request (default: batch)
    batch_wait_s: float = 0.0  # after a batch's first message, keep pulling this long to fill it
    fetch_timeout_s: float = 1.0  # how long an idle pull waits for a first message
    ack_wait_s: float = 30.0
    # -1: never give up on a message whose batch keeps failing (a charge must not vanish);
    # N > 0: on its N-th failed delivery it goes to the dead-letter subject instead.
    max_deliver: int = -1
    nak_delay_s: float = 1.0

    @property
    def max_ack_pending(self) -> int:
        return max(self.batch * 4, 1000)  # a batch being handled, the next one being pulled


async def ensure_consumer(js: JetStreamContext, opts: ConsumerOptions) -> None:
    """Create the durable pull consumer unless it exists (an existing one is kept as is)."""
    try:
        await js.consumer_info(STREAM, opts.durable)
        return
    except NotFoundError:
        pass
    await js.add_consumer(
        STREAM,
        ConsumerConfig(
            durable_name=opts.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=opts.ack_wait_s,
            max_deliver=opts.max_deliver,
            filter_subject=opts.subject,
            max_ack_pending=opts.max_ack_pending,
            max_waiting=64,
        ),
    )


async def run_pull_consumer(
    nc: NATS, opts: ConsumerOptions, handler: BatchHandler, stop: asyncio.Event
) -> None:
    """Pull batches and hand them to `handler` until `stop` is set; the next batch is pulled
    while one is handled. A batch's messages are acked only after `handler` returned (its
    poison ones dead-lettered first); when it raises, they are nak'ed and redelivered. On stop
    the batch in hand is finished, then the loop returns and its subscription is removed (a
    following `close()` loses nothing). Survives NATS restarts and handler failures."""
    js = nc.jetstream()
    puller: BatchPuller | None = None
    try:
        while not stop.is_set():
            try:
                if puller is None:
                    await ensure_stream(js)
                    await ensure_consumer(js, opts)
                    puller = BatchPuller(nc, STREAM, opts.durable)
                    await puller.start()
                await _pipeline(nc, puller, handler, opts, stop)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the loop must survive NATS restarts and handler bugs
                log.warning(
                    "consumer loop error, retrying",
                    extra={"error": repr(exc), "durable": opts.durable},
                )
                if puller is not None and (
                    isinstance(exc, ConsumerGoneError) or not nc.is_connected
                ):
                    await _quietly(puller.stop())
                    puller = None
                await _sleep_or_stop(stop, 0.5)
    finally:
        if puller is not None:
            await _quietly(puller.stop())


async def _pipeline(
    nc: NATS, puller: BatchPuller, handler: BatchHandler, opts: ConsumerOptions, stop: asyncio.Event
) -> None:
    """Collect batch N+1 while batch N is handled and acked. Returns when a pull found nothing
    or, once `stop` is set, after the batch in hand; an exception leaves the batch not yet
    handled unacked (redelivered after `ack_wait_s`)."""
    msgs = await _collect(puller, opts)
    while msgs:
        handling = asyncio.create_task(_handle_batch(nc, msgs, handler, opts))
        try:
            msgs = [] if stop.is_set() else await _collect(puller, opts)
        finally:
            await handling


async def _collect(puller: BatchPuller, opts: ConsumerOptions) -> list[Msg]:
    """Wait up to `fetch_timeout_s` for a first message, then take what has arrived, pulling
    on for `batch_wait_s` (or until `batch` messages) when that is set."""
    fetch = min(opts.fetch_size or opts.batch, opts.batch)
    batch = await puller.pull(fetch, opts.fetch_timeout_s, min_count=1)
    if not batch or opts.batch_wait_s <= 0:
        return batch
    loop = asyncio.get_running_loop()
    deadline = loop.time() + opts.batch_wait_s
    while len(batch) < opts.batch:
        timeout = deadline - loop.time()
        if timeout < 0.01:
            break
        got = await puller.pull(min(fetch, opts.batch - len(batch)), timeout)
        if not got:
            break
        batch.extend(got)
    return batch


async def _handle_batch(
    nc: NATS, msgs: Sequence[Msg], handler: BatchHandler, opts: ConsumerOptions
) -> None:
    js = nc.jetstream()
    try:
        poison = await handler(msgs)
    except Exception as exc:
        log.warning(
            "batch failed, redelivering",
            extra={"error": repr(exc), "n": len(msgs), "durable": opts.durable},
        )
        spent = {id(m) for m in msgs if _last_delivery(m, opts.max_deliver)}
        for msg in msgs:  # bounded redelivery: a message is never dropped silently
            if id(msg) in spent:
                await _dead_letter(js, msg, opts.durable)
        await asyncio.gather(*(m.nak(delay=opts.nak_delay_s) for m in msgs if id(m) not in spent))
        return
    poison_ids = {id(m) for m in poison}
    for msg in msgs:
        if id(msg) in poison_ids:
            await _dead_letter(js, msg, opts.durable)
    # The acks go out only now, after the handler committed. One flush (PING/PONG) confirms
    # the server has read them all, instead of a request per message (`ack_sync`); an ack lost
    # in a crash only causes a redelivery, which the handlers drop by request_id.
    for msg in msgs:
        if id(msg) not in poison_ids:
            await msg.ack()
    await nc.flush(timeout=_FLUSH_TIMEOUT_S)


def _last_delivery(msg: Msg, max_deliver: int) -> bool:
    return max_deliver > 0 and msg.metadata.num_delivered >= max_deliver


async def _dead_letter(js: JetStreamContext, msg: Msg, durable: str) -> None:
    """Copy to `tokaroo.dlq.<durable>`, then terminate (the copy is published and confirmed
    before the original is given up)."""
    fallback = str(msg.metadata.sequence.stream)
    await js.publish(
        DLQ_PREFIX + durable, msg.data, headers=dead_letter_headers(msg.headers, durable, fallback)
    )
    await msg.term()


def dead_letter_headers(
    headers: dict[str, str] | None, durable: str, fallback_id: str
) -> dict[str, str]:
    """The poison message's headers for its dead-letter copy. Its Nats-Msg-Id moves to
    Tokaroo-Original-Msg-Id and the copy gets its own (`<durable>/dlq/<original>`): with the
    original the stream would drop it as a duplicate, and a poison message redelivered after a
    crash is dead-lettered once."""
    out = {k: v for k, v in (headers or {}).items() if k != "Nats-Msg-Id"}
    original = (headers or {}).get("Nats-Msg-Id", "")
    out["Tokaroo-Original-Msg-Id"] = original
    out["Nats-Msg-Id"] = f"{durable}/dlq/{original or fallback_id}"
    return out


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass


async def _quietly(step: Awaitable[None]) -> None:
    try:
        await step
    except Exception as exc:  # cleanup on an already broken connection
        log.debug("consumer cleanup failed", extra={"error": repr(exc)})


async def follow_completions(
    nats_url: str,
    client_name: str,
    on_event: Callable[[events_pb2.CompletionEvent], Awaitable[None]],
    stop: asyncio.Event,
    feed: str,
) -> None:
    """Best-effort follower of new completion events (an ordered ephemeral consumer, no
    acks) until `stop`: for what learns from traffic but serves without it (the router's
    latency estimates and sessions). Undecodable events are skipped; a failure is logged and
    the follower waits for `stop`."""
    nc = await connect(nats_url, client_name)
    js = nc.jetstream()

    async def on_msg(msg: Msg) -> None:
        try:
            event = events_pb2.CompletionEvent.FromString(msg.data)
        except Exception:  # noqa: BLE001 - a bad event is the ledger's problem, not ours
            return
        await on_event(event)

    try:
        await ensure_stream(js)
        await js.subscribe(
            COMPLETION_SUBJECT,
            cb=on_msg,
            ordered_consumer=True,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.NEW),
        )
        await stop.wait()
    except Exception as exc:  # the feed is an optimisation: its owner serves without it
        log.warning("event feed stopped", extra={"feed": feed, "error": repr(exc)})
        await stop.wait()
    finally:
        await nc.close()
