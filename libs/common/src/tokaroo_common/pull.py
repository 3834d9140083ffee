"""A batch pull from a durable JetStream consumer without a task per message.

nats-py's `PullSubscription.fetch` awaits every message with its own timeout (a task per
message), which caps a consumer at a few thousand messages per second on a small machine.
Here one pull request (`$JS.API.CONSUMER.MSG.NEXT`) asks for up to `batch` messages, a
subscription callback collects them, and the caller awaits once per request: the wait ends
when `min_count` messages (default `batch`) are in hand, the server says there are no more
(404/408), or the timeout passes. Messages that arrive late for an earlier request simply join
the next batch. Used by `jetstream.run_pull_consumer`.
"""

from __future__ import annotations

import asyncio
import json

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext

_END = {"404", "408", "409"}


class ConsumerGoneError(RuntimeError):
    pass


class BatchPuller:
    def __init__(self, nc: NATS, stream: str, durable: str) -> None:
        self._nc = nc
        self._api = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}"
        self._inbox = nc.new_inbox()
        self._sub: Subscription | None = None
        self._buffer: list[Msg] = []
        self._want = 0
        self._done = asyncio.Event()
        self._gone = ""

    async def start(self) -> None:
        self._sub = await self._nc.subscribe(
            self._inbox, cb=self._on_msg, pending_msgs_limit=-1, pending_bytes_limit=-1
        )

    async def stop(self) -> None:
        if self._sub is not None:
            await self._sub.unsubscribe()
            self._sub = None

    async def _on_msg(self, msg: Msg) -> None:
        status = JetStreamContext.is_status_msg(msg)
        if status is None:
            self._buffer.append(msg)
            if len(self._buffer) >= self._want:
                self._done.set()
        elif status == "100":  # idle heartbeat / flow control
            return
        elif status in _END:
            description = (msg.headers or {}).get("Description", "")
            if status == "409" and "Deleted" in description:
                self._gone = description
            self._done.set()

    async def pull(self, batch: int, timeout: float, *, min_count: int | None = None) -> list[Msg]:
        """Up to `batch` messages, as soon as `min_count` (default: `batch`) are in hand; an
        empty list when none arrived within `timeout`."""
        if self._gone:
            raise ConsumerGoneError(self._gone)
        want = min(min_count or batch, batch)
        if len(self._buffer) < want:
            self._want = want
            self._done.clear()
            request = {"batch": batch - len(self._buffer), "expires": int(max(timeout, 0.05) * 1e9)}
            await self._nc.publish(self._api, json.dumps(request).encode(), reply=self._inbox)
            try:
                await asyncio.wait_for(self._done.wait(), timeout=timeout + 0.5)
            except TimeoutError:
                pass
        out, self._buffer = self._buffer[:batch], self._buffer[batch:]
        return out
