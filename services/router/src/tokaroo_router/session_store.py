"""Where sessions live: Valkey, which every router replica sees, with an in-process store
that takes over while Valkey is unreachable (and keeps a copy of every write, so a Valkey
outage loses nothing this replica has seen). Sessions expire: in Valkey after
`SESSION_TTL_S`; in process after `WARM_TTL_S`, when none of their prefixes can still be warm
(such a session routes exactly like a new one), so this replica's memory holds the sessions
of the last few minutes, not of the last hour. Every in-process structure is bounded in
count and in age."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from tokaroo_router.sessions import SESSION_TTL_S, WARM_TTL_S, Session

log = logging.getLogger(__name__)
KEY_PREFIX = "tokaroo:session:"
DEFAULT_CAPACITY = 100_000
# A routed request's completion event comes when it ends: this is longer than any request.
PENDING_TTL_S = 900.0


class SessionStore(Protocol):
    async def get(self, key: str) -> Session | None: ...

    async def put(self, session: Session) -> None: ...


class MemorySessionStore:
    """Sessions with an expiry each, kept in the order they were last written, which is the
    order they expire in (one TTL for all): every write drops the expired ones at the front,
    then the oldest beyond `capacity`, so the store never holds more than `capacity`
    sessions nor, after a write, an expired one. `clock` is monotonic seconds."""

    def __init__(
        self,
        ttl_s: float = WARM_TTL_S,
        capacity: int = DEFAULT_CAPACITY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl, self._capacity, self._clock = ttl_s, capacity, clock
        self._items: OrderedDict[str, tuple[float, Session]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    async def get(self, key: str) -> Session | None:
        item = self._items.get(key)
        if item is None:
            return None
        if item[0] <= self._clock():
            del self._items[key]
            return None
        return item[1]

    async def put(self, session: Session) -> None:
        now = self._clock()
        self._items[session.key] = (now + self._ttl, session)
        self._items.move_to_end(session.key)
        items = self._items
        while items and (len(items) > self._capacity or next(iter(items.values()))[0] <= now):
            items.popitem(last=False)


class ValkeySessionStore:
    """One string per session (`tokaroo:session:<key>`), written with its expiry."""

    def __init__(self, client: Redis, ttl_s: float = SESSION_TTL_S) -> None:
        self._client, self._ttl_ms = client, int(ttl_s * 1000)

    async def get(self, key: str) -> Session | None:
        raw = await self._client.get(KEY_PREFIX + key)
        return Session.from_bytes(key, raw) if isinstance(raw, bytes) else None

    async def put(self, session: Session) -> None:
        await self._client.set(KEY_PREFIX + session.key, session.to_bytes(), px=self._ttl_ms)


class FallbackSessionStore:
    """`primary` (Valkey) while it answers, `local` when it does not; `local` keeps a copy of
    every write either way."""

    def __init__(self, primary: SessionStore, local: MemorySessionStore) -> None:
        self._primary, self._local = primary, local
        self._degraded = False

    def _failed(self, exc: Exception) -> None:
        if not self._degraded:
            log.warning(
                "session store unreachable: using this replica's memory",
                extra={"error": type(exc).__name__},
            )
        self._degraded = True

    async def get(self, key: str) -> Session | None:
        try:
            found = await self._primary.get(key)
        except (RedisError, OSError, TimeoutError) as exc:
            self._failed(exc)
            return await self._local.get(key)
        self._degraded = False
        return found if found is not None else await self._local.get(key)

    async def put(self, session: Session) -> None:
        await self._local.put(session)
        try:
            await self._primary.put(session)
        except (RedisError, OSError, TimeoutError) as exc:
            self._failed(exc)


class SessionBook:
    """The router's use of sessions: find this request's session, record where it went.
    Bounded in time and never an error: a slow or broken store only costs a cold prompt."""

    def __init__(
        self,
        store: SessionStore,
        *,
        enabled: bool = True,
        timeout_s: float = 0.25,
        wall_clock: Callable[[], float] = time.time,
        pending: int = 10_000,
        pending_ttl_s: float = PENDING_TTL_S,
    ) -> None:
        self._store, self.enabled, self._timeout = store, enabled, timeout_s
        self.now = wall_clock
        # request id -> (when routed, session key, model routed to), oldest first, until the
        # request's completion event (`served` or `forget`); at most the newest `pending`,
        # none older than `pending_ttl_s` (an event that never comes).
        self._pending: OrderedDict[str, tuple[float, str, str]] = OrderedDict()
        self._pending_max, self._pending_ttl = pending, pending_ttl_s

    @property
    def pending(self) -> int:
        """Routed requests whose completion event has not come yet."""
        return len(self._pending)

    async def find(self, key: str | None) -> Session | None:
        """The session for `key` (a new one when none is stored); None when off or no key."""
        if not self.enabled or key is None:
            return None
        try:
            found = await asyncio.wait_for(self._store.get(key), self._timeout)
        except Exception as exc:  # noqa: BLE001 - see the class notes
            log.warning("session lookup failed", extra={"error": type(exc).__name__})
            found = None
        return found or Session(key)

    async def routed(
        self, session: Session, model_id: str, prompt_tokens: int, request_id: str = ""
    ) -> Session:
        """Record that this turn went to `model_id` (its first candidate)."""
        now = self.now()
        updated = session.routed(model_id, prompt_tokens, now)
        await self._put(updated)
        if request_id:
            pending = self._pending
            pending[request_id] = (now, session.key, model_id)
            pending.move_to_end(request_id)
            while pending and (
                len(pending) > self._pending_max
                or next(iter(pending.values()))[0] < now - self._pending_ttl
            ):
                pending.popitem(last=False)
        return updated

    def forget(self, request_id: str) -> None:
        """The request ended without moving its session (a cache hit, an error)."""
        self._pending.pop(request_id, None)

    async def served(self, request_id: str, model_id: str, prompt_tokens: int) -> None:
        """The request was answered by `model_id`: if that is not the model it was routed to
        (the edge fell back), the session's prefix is warm there, not on the routed one."""
        entry = self._pending.pop(request_id, None)
        if entry is None or entry[2] == model_id:
            return
        _, key, routed = entry
        try:
            session = await asyncio.wait_for(self._store.get(key), self._timeout)
        except Exception as exc:  # noqa: BLE001 - see the class notes
            log.warning("session lookup failed", extra={"error": type(exc).__name__})
            return
        if session is None:
            return
        kept = Session(key, tuple(w for w in session.warm if w.model_id != routed), session.turns)
        await self._put(kept.routed(model_id, prompt_tokens, self.now()))

    async def _put(self, session: Session) -> None:
        try:
            await asyncio.wait_for(self._store.put(session), self._timeout)
        except Exception as exc:  # noqa: BLE001 - see the class notes
            log.warning("session write failed", extra={"error": type(exc).__name__})
