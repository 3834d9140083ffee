"""A bounded local outbox: events are queued without blocking the response, and published to
JetStream by background workers that retry until NATS takes them (deduplicated by msg id)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from nats.aio.client import Client as NATS

from tokaroo_common.jetstream import ensure_stream, publish

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboxItem:
    subject: str
    data: bytes
    msg_id: str
    headers: dict[str, str] | None = None


class OutboxFull(Exception):
    pass


class Outbox:
    def __init__(self, nc: NATS, *, capacity: int = 100_000, workers: int = 8,
                 publish_timeout_s: float = 2.0) -> None:
        self._nc = nc
        self._queue: asyncio.Queue[OutboxItem] = asyncio.Queue(maxsize=capacity)
        self._workers = workers
        self._timeout = publish_timeout_s
        self._tasks: list[asyncio.Task[None]] = []
        self._stream_ready = False

    def put(self, item: OutboxItem) -> None:
        """Queue an event; never blocks. Raises OutboxFull when the bound is reached."""
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull as exc:
            raise OutboxFull("event outbox is full") from exc

    @property
    def connected(self) -> bool:
        return bool(self._nc.is_connected)

    @property
    def capacity(self) -> int:
        return self._queue.maxsize

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._worker(), name=f"outbox-{i}")
                       for i in range(self._workers)]

    async def flush(self, timeout_s: float) -> bool:
        """Wait until every queued event was published; True when the outbox is empty."""
        try:
            await asyncio.wait_for(self._queue.join(), timeout=timeout_s)
            return True
        except TimeoutError:
            return False

    async def close(self, timeout_s: float = 10.0) -> None:
        drained = await self.flush(timeout_s)
        if not drained:
            log.error("outbox not drained at shutdown", extra={"pending": self.pending})
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _worker(self) -> None:
        js = self._nc.jetstream()
        while True:
            item = await self._queue.get()
            delay = 0.05
            while True:
                try:
                    if not self._stream_ready:
                        await ensure_stream(js)
                        self._stream_ready = True
                    await publish(js, item.subject, item.data, item.msg_id,
                                  timeout=self._timeout, headers=item.headers)
                    break
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # NATS down or slow: keep the event and retry
                    log.warning("event publish failed, retrying",
                                extra={"error": repr(exc), "request_id": item.msg_id})
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 2.0)
            self._queue.task_done()
