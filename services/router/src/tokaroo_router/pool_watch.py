"""Keep the router's pool current: watch the NATS key-value bucket the research job publishes
to, validate each snapshot, and swap `PoolHolder.current` atomically.

- The swap is one reference assignment: a request that already took `holder.current` keeps
  that object to the end, new requests see the new pool; nothing is dropped.
- A snapshot that fails validation is logged with its reasons and the running pool stays.
- The previously running pool is kept: `rollback()` swaps back to it in process; a fleet-wide
  rollback is the research job republishing an older snapshot (`rollback_of` set).
- With an empty or unreachable bucket the router keeps the pool it started with (the packaged
  pool.json), and keeps retrying the watch.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Protocol

from nats.aio.client import Client as NATS
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import BucketNotFoundError, KeyDeletedError, KeyNotFoundError
from nats.js.kv import KeyValue
from tokaroo_common.jetstream import connect

from tokaroo_router.pool import Pool
from tokaroo_router.pool_validate import Verdict, validate

BUCKET = "tokaroo-pool"
CURRENT_KEY = "current"
HISTORY = 64
POOL_SUBJECT = "tokaroo.events.pool"

log = logging.getLogger(__name__)


class Holder(Protocol):
    current: Pool


async def pool_bucket(js: JetStreamContext) -> KeyValue:
    """The pool bucket, created on first use (file storage, the last 64 revisions per key)."""
    try:
        return await js.key_value(BUCKET)
    except BucketNotFoundError:
        return await js.create_key_value(
            KeyValueConfig(
                bucket=BUCKET,
                history=HISTORY,
                storage=StorageType.FILE,
                description="Tokaroo model pool snapshots (research job)",
            )
        )


class PoolWatcher:
    """Validates and applies pool snapshots to a holder; `transform` adapts an accepted pool
    to this process (e.g. adds the configured local model) before it goes live."""

    def __init__(
        self,
        holder: Holder,
        base: Pool | None = None,
        transform: Callable[[Pool], Pool] = lambda p: p,
    ) -> None:
        self._holder = holder
        self._transform = transform
        self._base = base or holder.current  # last accepted pool, before `transform`
        self._previous: Pool | None = None
        self.rejected = 0
        self.loaded = asyncio.Event()  # set once the start-up load was tried

    @property
    def base(self) -> Pool:
        return self._base

    async def load_latest(self, nc: NATS) -> Verdict | None:
        """At start: take the bucket's current snapshot if there is one. It was validated
        against its predecessor when published, so only the absolute rules apply here."""
        try:
            entry = await (await pool_bucket(nc.jetstream())).get(CURRENT_KEY)
        except (KeyNotFoundError, KeyDeletedError):
            return None
        if not entry.value:
            return None
        return self.offer(entry.value, initial=True)

    def offer(self, data: bytes, *, initial: bool = False) -> Verdict:
        """Validate one snapshot against the running pool and swap it in when valid."""
        try:
            raw = json.loads(data)
        except ValueError as exc:
            return self._reject(Verdict(False, (f"snapshot is not JSON: {exc}",)))
        if not isinstance(raw, dict):
            return self._reject(Verdict(False, ("snapshot is not a JSON object",)))
        if raw.get("version") == self._base.version:
            return Verdict(True, (), self._base, raw)
        verdict = validate(raw, None if initial else self._base)
        if not verdict.ok or verdict.pool is None:
            return self._reject(verdict)
        self._apply(verdict.pool)
        return verdict

    def rollback(self) -> bool:
        """Swap back to the pool that ran before the last accepted one."""
        if self._previous is None:
            return False
        self._apply(self._previous)
        return True

    def _apply(self, pool: Pool) -> None:
        self._previous, self._base = self._base, pool
        self._holder.current = self._transform(pool)
        log.info(
            "pool swapped",
            extra={"pool_version": pool.version, "previous_version": self._previous.version},
        )

    def _reject(self, verdict: Verdict) -> Verdict:
        self.rejected += 1
        log.warning(
            "pool snapshot rejected, keeping the running pool",
            extra={"pool_version": self._base.version, "problems": list(verdict.problems)},
        )
        return verdict

    async def run(self, nc: NATS, stop: asyncio.Event, *, retry_s: float = 1.0) -> None:
        """Load the bucket's snapshot, then watch `current` until `stop` is set; survives
        NATS restarts."""
        while not stop.is_set():
            try:
                if not self.loaded.is_set():
                    await self.load_latest(nc)
                    self.loaded.set()
                await self._watch(nc, stop)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # NATS down, bucket deleted, ...: retry, keep the pool
                log.warning("pool watch failed, retrying", extra={"error": repr(exc)})
                try:
                    await asyncio.wait_for(stop.wait(), timeout=retry_s)
                except TimeoutError:
                    pass

    async def _watch(self, nc: NATS, stop: asyncio.Event) -> None:
        kv = await pool_bucket(nc.jetstream())
        watcher = await kv.watch(CURRENT_KEY)
        try:
            while not stop.is_set():
                try:
                    entry = await watcher.updates(timeout=1.0)  # type: ignore[no-untyped-call]
                except NatsTimeoutError:
                    continue
                if entry is None or entry.value is None or entry.operation is not None:
                    continue  # end of the initial values, or a delete/purge marker
                self.offer(entry.value)
        finally:
            await watcher.stop()  # type: ignore[no-untyped-call]


async def watch_pool(watcher: PoolWatcher, nats_url: str, stop: asyncio.Event) -> None:
    """Connect to NATS (retrying until `stop`), then run the watcher; the router keeps serving
    the pool it has whenever NATS is away."""
    while not stop.is_set():
        try:
            nc = await connect(nats_url, "tokaroo-router-pool", first_connect_timeout_s=5.0)
        except Exception as exc:  # NoServersError, OSError: keep the current pool, retry
            log.warning("pool watch cannot reach NATS", extra={"error": repr(exc)})
            watcher.loaded.set()
            continue
        try:
            await watcher.run(nc, stop)
        finally:
            await nc.drain()


async def start_pool_watch(
    watcher: PoolWatcher, nats_url: str, stop: asyncio.Event, *, wait_s: float = 3.0
) -> asyncio.Task[None]:
    """Start watching in the background; wait up to `wait_s` for the start-up load so the
    router begins serving with the published pool when there is one."""
    task = asyncio.create_task(watch_pool(watcher, nats_url, stop), name="pool-watch")
    try:
        await asyncio.wait_for(watcher.loaded.wait(), timeout=wait_s)
    except TimeoutError:
        log.warning("pool bucket not read in time, serving the packaged pool for now")
    return task
