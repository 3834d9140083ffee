"""API-key authentication: hash the presented key, ask the ledger, remember briefly.

An answer is used for at most `ttl_s` (1 s by default) from when it was asked, so a revoked
key stops working on every edge replica within a second. A request in the last fifth of an
accepted answer's life asks again in the background, so a key in steady use never waits for
the ledger; requests that find the same key's question in flight share its answer (one call
per key, not one per request). While the ledger is unavailable, a key it accepted within the
last five minutes keeps working (stale-if-error)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from tokaroo_common.errors import AuthenticationFailed, ServiceUnavailable
from tokaroo_proto.ledger.v1 import ledger_pb2, ledger_pb2_grpc

from tokaroo_edge.internal import call

log = logging.getLogger(__name__)

MAX_ENTRIES = 100_000
STALE_IF_ERROR_S = 300.0
REFRESH_AHEAD = 0.2  # of the TTL: a request this close to an answer's end refreshes it


@dataclass(frozen=True)
class Principal:
    tenant_id: str
    key_id: str
    requests_per_minute: int = 0
    tokens_per_minute: int = 0
    expires_at_unix_ms: int = 0  # 0 = never
    allowed_models: tuple[str, ...] = ()  # empty = every model value
    budget_nano: int | None = None  # the key's spend cap per budget_period; None = none
    budget_period: str = "month"


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise AuthenticationFailed(
            "You didn't provide an API key. Send it in the "
            "Authorization header as 'Bearer tok_...'."
        )
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 512:
        raise AuthenticationFailed("Malformed Authorization header: expected 'Bearer tok_...'.")
    return token


def presented_key(authorization: str | None, x_api_key: str | None) -> str:
    """The API key a request presents: `Authorization: Bearer tok_...` (OpenAI clients) or
    `x-api-key: tok_...` (Anthropic clients), on every endpoint. With both, Authorization
    wins. Pure."""
    if authorization:
        return bearer_token(authorization)
    key = (x_api_key or "").strip()
    if not x_api_key:
        raise AuthenticationFailed(
            "You didn't provide an API key. Send it in the "
            "Authorization header as 'Bearer tok_...' or in the "
            "x-api-key header."
        )
    if not key or len(key) > 512:
        raise AuthenticationFailed("Malformed x-api-key header: expected 'tok_...'.")
    return key


def check_expiry(principal: Principal, now_s: float) -> None:
    """401 once the key's expiry has passed (checked on every request, cached or not). Pure."""
    expires = principal.expires_at_unix_ms
    if expires and expires <= now_s * 1000:
        when = datetime.fromtimestamp(expires / 1000, UTC).isoformat().replace("+00:00", "Z")
        raise AuthenticationFailed(f"This API key expired at {when}.")


class Authenticator:
    def __init__(
        self,
        ledger: ledger_pb2_grpc.LedgerServiceStub,
        ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ledger = ledger
        self._ttl = ttl_s
        self._clock = clock
        self._cache: dict[str, tuple[float, Principal | None]] = {}
        self._asking: dict[str, asyncio.Task[Principal | None]] = {}

    async def authenticate(self, token: str) -> Principal:
        """The principal of a presented key (see `presented_key`)."""
        digest = hash_key(token)
        now = self._clock()
        hit = self._cache.get(digest)
        if hit is not None and hit[0] > now:
            principal = hit[1]
            if principal is not None and hit[0] - now < self._ttl * REFRESH_AHEAD:
                self._ask(digest)  # in the background; this answer stands until it expires
        else:
            try:
                principal = await asyncio.shield(self._ask(digest))
            except ServiceUnavailable:
                # The ledger (or its database) is down: a key it vouched for within the last
                # STALE_IF_ERROR_S keeps working (holds do not need the ledger while the
                # tenant's mirror is warm); a key never seen, or refused, still fails.
                if hit is None or hit[1] is None or hit[0] + STALE_IF_ERROR_S < now:
                    raise
                principal = hit[1]
        if principal is None:
            raise AuthenticationFailed("Incorrect API key provided.")
        check_expiry(principal, time.time())
        return principal

    def _ask(self, digest: str) -> asyncio.Task[Principal | None]:
        """The ledger's answer for a key hash: the question in flight, or a new one. Shared
        by every request that waits for it, so one that leaves does not cancel it."""
        task = self._asking.get(digest)
        if task is None:
            task = asyncio.create_task(self._fetch(digest))
            self._asking[digest] = task
            task.add_done_callback(lambda done: self._asked(digest, done))
        return task

    def _asked(self, digest: str, task: asyncio.Task[Principal | None]) -> None:
        if self._asking.get(digest) is task:
            del self._asking[digest]
        exc = None if task.cancelled() else task.exception()
        # Whoever waited got the error; a background refresh's failure only leaves the answer
        # to expire (the next request then asks, with stale-if-error).
        if exc is not None and not isinstance(exc, ServiceUnavailable):
            log.warning("key lookup failed", extra={"error": repr(exc)})

    async def _fetch(self, digest: str) -> Principal | None:
        asked = self._clock()  # the answer's life counts from the question
        resp = await call(
            self._ledger.Authenticate(ledger_pb2.AuthenticateRequest(key_hash=digest), timeout=5)
        )
        principal = (
            Principal(
                resp.tenant_id,
                resp.key_id,
                resp.requests_per_minute,
                resp.tokens_per_minute,
                resp.expires_at_unix_ms,
                tuple(resp.allowed_models),
                resp.budget_nano if resp.HasField("budget_nano") else None,
                resp.budget_period or "month",
            )
            if resp.ok
            else None
        )
        if len(self._cache) >= MAX_ENTRIES:
            self._cache.clear()
        self._cache[digest] = (asked + self._ttl, principal)
        return principal
