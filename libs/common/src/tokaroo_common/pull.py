"""A batch pull from a durable JetStream consumer without a task per message.

nats-py's `PullSubscription.fetch` awaits every message with its own timeout (a task per
message), which caps a consumer at a few thousand messages per second on a small machine.
Here one pull request (`$JS.API.CONSUMER.MSG.NEXT`) asks for up to `batch` messages, a
subscription callback collects them, and the caller awaits once per request: the wait ends
when `min_count` messages (default `batch`) are in hand, the server says there are no more
(404/408), or the timeout passes. Messages that arrive late for an earlier request simply join
the next batch. Used by `jetstream.run_pull_consumer`.

One pull request is open at a time: a new one is sent only when the last one has ended (all
its messages came, the server ended it, or it expired). A request asked for up to `batch`
messages stays on the server until then even after `min_count` were taken; sending one per
call piled them up to the consumer's `max_waiting`, each costing the server and the consumer
work for every message, and then each new one was refused at once (409), so an idle consumer
spun.
"""

from __future__ import annotations

import asyncio
import json

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext

_END = {"404", "408", "409"}
_END_GRACE_S = 0.5  # how long after a request expires its end status may still come


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
        self._owed = 0  # messages the open pull request may still deliver (0: none open)
        self._open_until = 0.0  # loop time when the open request expires

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
            self._owed = max(self._owed - 1, 0)
            if len(self._buffer) >= self._want or self._owed == 0:
                self._done.set()
        elif status == "100":  # idle heartbeat / flow control
            return
        elif status in _END:
            description = (msg.headers or {}).get("Description", "")
            if status == "409" and "Deleted" in description:
                self._gone = description
            self._owed = 0  # the request ended (a late end of an older one only ends ours early)
            self._done.set()

    def _request_open(self, now: float) -> bool:
        return self._owed > 0 and now < self._open_until

    async def pull(self, batch: int, timeout: float, *, min_count: int | None = None) -> list[Msg]:
        """Up to `batch` messages, as soon as `min_count` (default: `batch`) are in hand; an
        empty list when none arrived within `timeout`."""
        if self._gone:
            raise ConsumerGoneError(self._gone)
        want = min(min_count or batch, batch)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self._buffer) < want and not self._gone:
            now = loop.time()
            left = deadline - now
            if left <= 0:
                break
            self._want = want
            self._done.clear()
            if not self._request_open(now):
                expires = max(left, 0.05)
                self._owed = batch - len(self._buffer)
                self._open_until = now + expires
                request = {"batch": self._owed, "expires": int(expires * 1e9)}
                await self._nc.publish(self._api, json.dumps(request).encode(), reply=self._inbox)
            # Wake when enough came, the request ended, or the caller's time is up; past the
            # request's expiry, allow the server a moment to say it ended.
            wake = min(deadline, self._open_until + _END_GRACE_S)
            try:
                await asyncio.wait_for(self._done.wait(), timeout=max(wake - loop.time(), 0.0))
            except TimeoutError:
                if loop.time() >= self._open_until:
                    self._owed = 0
        out, self._buffer = self._buffer[:batch], self._buffer[batch:]
        return out
