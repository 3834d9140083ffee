"""API-key authentication: hash the presented key, ask the ledger, remember briefly.

The cache lives at most `ttl_s` (1 s by default), so a revoked key stops working on every
edge replica within a second; while the ledger is unavailable, a key it accepted within the
last five minutes keeps working (stale-if-error)."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from tokaroo_common.errors import AuthenticationFailed, ServiceUnavailable
from tokaroo_proto.ledger.v1 import ledger_pb2, ledger_pb2_grpc

from tokaroo_edge.internal import call

MAX_ENTRIES = 100_000
STALE_IF_ERROR_S = 300.0


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
    def __init__(self, ledger: ledger_pb2_grpc.LedgerServiceStub, ttl_s: float) -> None:
        self._ledger = ledger
        self._ttl = ttl_s
        self._cache: dict[str, tuple[float, Principal | None]] = {}

    async def authenticate(self, token: str) -> Principal:
        """The principal of a presented key (see `presented_key`)."""
        digest = hash_key(token)
        now = time.monotonic()
        hit = self._cache.get(digest)
        if hit is not None and hit[0] > now:
            principal = hit[1]
        else:
            try:
                resp = await call(
                    self._ledger.Authenticate(
                        ledger_pb2.AuthenticateRequest(key_hash=digest), timeout=5
                    )
                )
            except ServiceUnavailable:
                # The ledger (or its database) is down: a key it vouched for within the last
                # STALE_IF_ERROR_S keeps working (holds do not need the ledger while the
                # tenant's mirror is warm); a key never seen, or refused, still fails.
                if hit is None or hit[1] is None or hit[0] + STALE_IF_ERROR_S < now:
                    raise
                principal = hit[1]
                check_expiry(principal, time.time())
                return principal
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
            self._cache[digest] = (now + self._ttl, principal)
        if principal is None:
            raise AuthenticationFailed("Incorrect API key provided.")
        check_expiry(principal, time.time())
        return principal
