"""A bounded local outbox: events are queued without blocking the response, and published to
JetStream by background workers that retry until NATS takes them (deduplicated by msg id).

When the process stops while NATS is unreachable, what is still queued is spilled to a file
(JSON lines) and re-queued by the next start, so a shutdown during a NATS outage loses no
event; duplicates are harmless (Nats-Msg-Id dedup and idempotent consumers). With a journal
folder, every event is also written ahead to disk before it is queued (`journal.Journal`),
so even a SIGKILL loses nothing that was queued."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from nats.aio.client import Client as NATS

from tokaroo_common.jetstream import ensure_stream, publish
from tokaroo_common.journal import Journal, decode, encode

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
    def __init__(
        self,
        nc: NATS,
        *,
        capacity: int = 100_000,
        workers: int = 8,
        publish_timeout_s: float = 2.0,
        spill_path: Path | None = None,
        journal_dir: Path | None = None,
    ) -> None:
        self._spill = spill_path
        self._journal = Journal(journal_dir) if journal_dir is not None else None
        self._nc = nc
        # Each event with its journal segment (-1 without a journal).
        self._queue: asyncio.Queue[tuple[OutboxItem, int]] = asyncio.Queue(maxsize=capacity)
        self._workers = workers
        self._timeout = publish_timeout_s
        self._tasks: list[asyncio.Task[None]] = []
        self._stream_ready = False
        self._inflight: dict[int, OutboxItem] = {}

    def put(self, item: OutboxItem) -> None:
        """Queue an event; never blocks. Raises OutboxFull when the bound is reached."""
        if self._queue.full():
            raise OutboxFull("event outbox is full")
        segment = self._journal.append(item) if self._journal is not None else -1
        self._queue.put_nowait((item, segment))

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
        for item in load_spill(self._spill):
            self.put(item)
        if self._journal is not None:
            recovered = self._journal.recover()
            for subject, data, msg_id, headers in recovered:
                self.put(OutboxItem(subject, data, msg_id, headers))  # journaled afresh
            self._journal.forget_recovered()
            if recovered:
                log.warning("outbox journal replayed", extra={"events": len(recovered)})
        self._tasks = [
            asyncio.create_task(self._worker(), name=f"outbox-{i}") for i in range(self._workers)
        ]

    async def flush(self, timeout_s: float) -> bool:
        """Wait until every queued event was published; True when the outbox is empty."""
        try:
            await asyncio.wait_for(self._queue.join(), timeout=timeout_s)
            return True
        except TimeoutError:
            return False

    async def close(self, timeout_s: float = 10.0) -> None:
        drained = await self.flush(timeout_s)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._journal is not None:
            self._journal.close()  # keeps every segment with unpublished events
        if not drained:
            left: list[OutboxItem] = list(self._inflight.values())
            self._inflight.clear()
            while not self._queue.empty():
                left.append(self._queue.get_nowait()[0])
            if self._journal is not None:
                log.warning("outbox left in its journal", extra={"pending": len(left)})
            elif self._spill is not None:
                write_spill(self._spill, left)
                log.warning("outbox spilled to disk", extra={"pending": len(left)})
            else:
                log.error("outbox not drained at shutdown", extra={"pending": len(left)})

    async def _worker(self) -> None:
        js = self._nc.jetstream()
        while True:
            item, segment = await self._queue.get()
            self._inflight[id(item)] = item
            delay = 0.05
            while True:
                try:
                    if not self._stream_ready:
                        await ensure_stream(js)
                        self._stream_ready = True
                    await publish(
                        js,
                        item.subject,
                        item.data,
                        item.msg_id,
                        timeout=self._timeout,
                        headers=item.headers,
                    )
                    break
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # NATS down or slow: keep the event and retry
                    log.warning(
                        "event publish failed, retrying",
                        extra={"error": repr(exc), "request_id": item.msg_id},
                    )
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 2.0)
            del self._inflight[id(item)]
            if self._journal is not None and segment >= 0:
                self._journal.done(segment)
            self._queue.task_done()


def write_spill(path: Path, items: list[OutboxItem]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as fh:
        for item in items:
            fh.write(encode(item))


def load_spill(path: Path | None) -> list[OutboxItem]:
    """Read and remove a spill file; unreadable lines are skipped (and logged)."""
    if path is None or not path.exists():
        return []
    items: list[OutboxItem] = []
    for line in path.read_bytes().splitlines():
        try:
            items.append(OutboxItem(*decode(line)))
        except ValueError:
            log.error("skipping a corrupt outbox spill line")
    path.unlink()
    return items
