"""Where sessions live: Valkey, which every router replica sees, with an in-process store
that takes over while Valkey is unreachable (and keeps a copy of every write, so a Valkey
outage loses nothing this replica has seen). Sessions expire (`SESSION_TTL_S`)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from tokaroo_router.sessions import SESSION_TTL_S, Session

log = logging.getLogger(__name__)
KEY_PREFIX = "tokaroo:session:"
DEFAULT_CAPACITY = 100_000


class SessionStore(Protocol):
    async def get(self, key: str) -> Session | None: ...

    async def put(self, session: Session) -> None: ...


class MemorySessionStore:
    """Least recently used sessions with an expiry each; `clock` is monotonic seconds."""

    def __init__(
        self,
        ttl_s: float = SESSION_TTL_S,
        capacity: int = DEFAULT_CAPACITY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl, self._capacity, self._clock = ttl_s, capacity, clock
        self._items: OrderedDict[str, tuple[float, Session]] = OrderedDict()

    async def get(self, key: str) -> Session | None:
        item = self._items.get(key)
        if item is None:
            return None
        if item[0] <= self._clock():
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return item[1]

    async def put(self, session: Session) -> None:
        self._items[session.key] = (self._clock() + self._ttl, session)
        self._items.move_to_end(session.key)
        while len(self._items) > self._capacity:
            self._items.popitem(last=False)


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
    ) -> None:
        self._store, self.enabled, self._timeout = store, enabled, timeout_s
        self.now = wall_clock
        # request id -> (session key, model routed to), for `served`; the newest `pending`.
        self._pending: OrderedDict[str, tuple[str, str]] = OrderedDict()
        self._pending_max = pending

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
        updated = session.routed(model_id, prompt_tokens, self.now())
        await self._put(updated)
        if request_id:
            self._pending[request_id] = (session.key, model_id)
            while len(self._pending) > self._pending_max:
                self._pending.popitem(last=False)
        return updated

    async def served(self, request_id: str, model_id: str, prompt_tokens: int) -> None:
        """The request was answered by `model_id`: if that is not the model it was routed to
        (the edge fell back), the session's prefix is warm there, not on the routed one."""
        entry = self._pending.pop(request_id, None)
        if entry is None or entry[1] == model_id:
            return
        key, routed = entry
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
