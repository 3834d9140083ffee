"""Read the stack's completion events (internal: resolved model, upstream cost) by request id,
for tests and benches that check what the tenant never sees."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

import nats
from nats.js.api import ConsumerConfig, DeliverPolicy
from tokaroo_common.jetstream import COMPLETION_SUBJECT
from tokaroo_proto.events.v1 import events_pb2


async def completion_events(
    nats_url: str, request_ids: Iterable[str], timeout_s: float = 20.0
) -> dict[str, events_pb2.CompletionEvent]:
    """The events of `request_ids` (those found within `timeout_s`)."""
    wanted = set(request_ids)
    found: dict[str, events_pb2.CompletionEvent] = {}
    nc = await nats.connect(nats_url)
    done = asyncio.Event()

    async def on_msg(msg: nats.aio.msg.Msg) -> None:
        event = events_pb2.CompletionEvent.FromString(msg.data)
        if event.request_id in wanted:
            found[event.request_id] = event
            if len(found) == len(wanted):
                done.set()

    try:
        js = nc.jetstream()
        await js.subscribe(
            COMPLETION_SUBJECT,
            cb=on_msg,
            ordered_consumer=True,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
        )
        deadline = time.monotonic() + timeout_s
        while not done.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    finally:
        await nc.close()
    return found


def events_for(
    nats_url: str, request_ids: Iterable[str], timeout_s: float = 20.0
) -> dict[str, events_pb2.CompletionEvent]:
    return asyncio.run(completion_events(nats_url, list(request_ids), timeout_s))
