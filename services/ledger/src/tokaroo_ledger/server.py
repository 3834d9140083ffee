"""The gRPC LedgerService: thin handlers that validate, call the repository and map errors.

Errors of the Tokaroo hierarchy abort the call with their gRPC status; a database that cannot
be reached answers UNAVAILABLE; anything else INTERNAL (logged, never shown)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias, TypeVar

import asyncpg  # type: ignore[import-untyped]
import grpc
from tokaroo_common.errors import (
    InternalError,
    InvalidRequest,
    NotFound,
    ServiceUnavailable,
    TokarooError,
    abort_grpc,
)
from tokaroo_proto.ledger.v1 import ledger_pb2, ledger_pb2_grpc

from tokaroo_ledger import cursor, keys
from tokaroo_ledger.holds import HoldRepository
from tokaroo_ledger.models import ApiKey, Tenant, parse_id
from tokaroo_ledger.repository import LedgerRepository
from tokaroo_ledger.stripe_rpcs import StripeRpcs

log = logging.getLogger(__name__)

DEFAULT_USAGE_LIMIT = 50
MAX_USAGE_LIMIT = 100
MAX_NAME = 200
MAX_CAUSE_ID = 200
MAX_REASON = 1000

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UNAVAILABLE = (OSError, asyncpg.InterfaceError, asyncpg.CannotConnectNowError,
                asyncpg.ConnectionDoesNotExistError, asyncpg.TooManyConnectionsError,
                TimeoutError)

Ctx: TypeAlias = "grpc.aio.ServicerContext[Any, Any]"
Req = TypeVar("Req")
Resp = TypeVar("Resp")
Handler = Callable[["LedgerServicer", Req, Ctx], Awaitable[Resp]]


def rpc(fn: Handler[Req, Resp]) -> Handler[Req, Resp]:
    """Abort the call with the gRPC status of the error the handler raised."""

    @functools.wraps(fn)
    async def wrapper(self: LedgerServicer, request: Req, context: Ctx) -> Resp:
        try:
            return await fn(self, request, context)
        except TokarooError as exc:
            error = exc
        except _UNAVAILABLE as exc:
            log.warning("database unavailable", extra={"rpc": fn.__name__, "error": repr(exc)})
            error = ServiceUnavailable("The ledger is temporarily unavailable. Please retry.")
        except Exception:
            log.exception("ledger rpc failed", extra={"rpc": fn.__name__})
            error = InternalError("Internal ledger error.")
        await abort_grpc(context, error)
        raise AssertionError("abort() returned")  # pragma: no cover

    return wrapper


MAX_HOLD_TTL_MS = 3_600_000


def unix_ms(value: datetime | None) -> int:
    return 0 if value is None else (value - _EPOCH) // timedelta(milliseconds=1)


def key_info(key: ApiKey) -> ledger_pb2.KeyInfo:
    return ledger_pb2.KeyInfo(id=str(key.id), name=key.name, prefix=key.prefix,
                              created_at_unix_ms=unix_ms(key.created_at),
                              last_used_at_unix_ms=unix_ms(key.last_used_at),
                              revoked=key.revoked_at is not None,
                              requests_per_minute=key.requests_per_minute,
                              tokens_per_minute=key.tokens_per_minute)


def tenant_info(tenant: Tenant) -> ledger_pb2.TenantInfo:
    return ledger_pb2.TenantInfo(id=str(tenant.id), name=tenant.name,
                                 balance_nano=tenant.balance_nano,
                                 created_at_unix_ms=unix_ms(tenant.created_at))


def _name(value: str, field: str, default: str = "") -> str:
    value = value.strip() or default
    if len(value) > MAX_NAME:
        raise InvalidRequest(f"{field} is longer than {MAX_NAME} characters.", param=field)
    return value


def usage_limit(requested: int) -> int:
    if requested == 0:
        return DEFAULT_USAGE_LIMIT
    if not 1 <= requested <= MAX_USAGE_LIMIT:
        raise InvalidRequest(f"limit must be between 1 and {MAX_USAGE_LIMIT}.", param="limit")
    return requested


class LedgerServicer(ledger_pb2_grpc.LedgerServiceServicer):
    def __init__(self, repo: LedgerRepository, holds: HoldRepository,
                 stripe: StripeRpcs) -> None:
        self._repo = repo
        self._holds = holds
        self._stripe = stripe

    @rpc
    async def CreateCheckout(self, request: ledger_pb2.CreateCheckoutRequest,
                             context: Ctx) -> ledger_pb2.CheckoutSession:
        return await self._stripe.create_checkout(request)

    @rpc
    async def HandleStripeWebhook(self, request: ledger_pb2.StripeWebhookRequest,
                                  context: Ctx) -> ledger_pb2.StripeWebhookResponse:
        return await self._stripe.handle_webhook(request)

    @rpc
    async def Hold(self, request: ledger_pb2.HoldRequest,
                   context: Ctx) -> ledger_pb2.HoldResponse:
        tenant_id = parse_id(request.tenant_id)
        if tenant_id is None or not request.request_id or request.amount_nano < 0:
            raise InvalidRequest("A hold needs a tenant, a request id and an amount >= 0.")
        ttl_ms = min(max(request.ttl_ms, 1_000), MAX_HOLD_TTL_MS)
        result = await self._holds.hold(tenant_id, request.request_id, request.amount_nano,
                                        ttl_ms)
        if result is None:
            raise NotFound("Tenant not found.")
        return ledger_pb2.HoldResponse(ok=result.ok, available_nano=result.available_nano)

    @rpc
    async def Authenticate(self, request: ledger_pb2.AuthenticateRequest,
                           context: Ctx) -> ledger_pb2.AuthenticateResponse:
        key_hash = keys.normalize_hash(request.key_hash)
        principal = await self._repo.authenticate(key_hash) if key_hash else None
        if principal is None:
            return ledger_pb2.AuthenticateResponse(ok=False)
        return ledger_pb2.AuthenticateResponse(
            ok=True, tenant_id=str(principal.tenant_id), key_id=str(principal.key_id),
            requests_per_minute=principal.requests_per_minute,
            tokens_per_minute=principal.tokens_per_minute)

    @rpc
    async def GetBalance(self, request: ledger_pb2.GetBalanceRequest,
                         context: Ctx) -> ledger_pb2.Balance:
        tenant_id = parse_id(request.tenant_id)
        balance = await self._repo.get_balance(tenant_id) if tenant_id else None
        if balance is None:
            raise NotFound("Tenant not found.")
        return ledger_pb2.Balance(tenant_id=str(tenant_id), balance_nano=balance)

    @rpc
    async def CreateKey(self, request: ledger_pb2.CreateKeyRequest,
                        context: Ctx) -> ledger_pb2.CreatedKey:
        tenant_id = parse_id(request.tenant_id)
        if tenant_id is None:
            raise NotFound("Tenant not found.")
        if request.requests_per_minute < 0 or request.tokens_per_minute < 0:
            raise InvalidRequest("Rate limits must be zero (none) or positive.")
        key, secret = await self._repo.create_key(
            tenant_id, _name(request.name, "name"),
            (request.requests_per_minute, request.tokens_per_minute))
        return ledger_pb2.CreatedKey(key=key_info(key), secret=secret)

    @rpc
    async def ListKeys(self, request: ledger_pb2.ListKeysRequest,
                       context: Ctx) -> ledger_pb2.ListKeysResponse:
        tenant_id = parse_id(request.tenant_id)
        found = await self._repo.list_keys(tenant_id) if tenant_id else []
        return ledger_pb2.ListKeysResponse(keys=[key_info(k) for k in found])

    @rpc
    async def RevokeKey(self, request: ledger_pb2.RevokeKeyRequest,
                        context: Ctx) -> ledger_pb2.RevokeKeyResponse:
        tenant_id, key_id = parse_id(request.tenant_id), parse_id(request.key_id)
        if tenant_id is None or key_id is None or \
                not await self._repo.revoke_key(tenant_id, key_id):
            raise NotFound("API key not found.")
        return ledger_pb2.RevokeKeyResponse(revoked=True)

    @rpc
    async def ListUsage(self, request: ledger_pb2.ListUsageRequest,
                        context: Ctx) -> ledger_pb2.ListUsageResponse:
        limit = usage_limit(request.limit)
        before = cursor.decode(request.cursor) if request.cursor else None
        tenant_id = parse_id(request.tenant_id)
        if tenant_id is None:
            return ledger_pb2.ListUsageResponse()
        rows = await self._repo.list_usage(tenant_id, limit + 1, before)
        page = rows[:limit]
        next_cursor = cursor.encode(page[-1].created_at, page[-1].request_id) \
            if len(rows) > limit else ""
        return ledger_pb2.ListUsageResponse(next_cursor=next_cursor, records=[
            ledger_pb2.UsageRecord(id=r.request_id, tier=r.tier, input_tokens=r.input_tokens,
                                   output_tokens=r.output_tokens, charged_nano=r.charged_nano,
                                   latency_ms=r.latency_ms,
                                   created_at_unix_ms=unix_ms(r.created_at),
                                   cache_outcome=r.cache_outcome, status=r.status)
            for r in page])

    @rpc
    async def CreateTenant(self, request: ledger_pb2.CreateTenantRequest,
                           context: Ctx) -> ledger_pb2.CreatedTenant:
        name = _name(request.name, "name")
        if not name:
            raise InvalidRequest("name is required.", param="name")
        if request.initial_credit_nano < 0:
            raise InvalidRequest("initial_credit_nano must not be negative.",
                                 param="initial_credit_nano")
        pinned = request.pinned_secret
        if pinned and not keys.valid_pinned_secret(pinned):
            raise InvalidRequest("pinned_secret must be 16 to 512 printable characters.",
                                 param="pinned_secret")
        secret = pinned or keys.generate_secret()
        tenant, key, created = await self._repo.create_tenant(
            name, request.initial_credit_nano, _name(request.key_name, "key_name", "default"),
            secret, pinned=bool(pinned))
        log.info("tenant created" if created else "tenant exists (pinned key)",
                 extra={"tenant_id": str(tenant.id)})
        return ledger_pb2.CreatedTenant(
            tenant_id=str(tenant.id), key=ledger_pb2.CreatedKey(key=key_info(key), secret=secret))

    @rpc
    async def ListTenants(self, request: ledger_pb2.ListTenantsRequest,
                          context: Ctx) -> ledger_pb2.ListTenantsResponse:
        return ledger_pb2.ListTenantsResponse(
            tenants=[tenant_info(t) for t in await self._repo.list_tenants()])

    @rpc
    async def Adjust(self, request: ledger_pb2.AdjustRequest,
                     context: Ctx) -> ledger_pb2.Balance:
        tenant_id = parse_id(request.tenant_id)
        if tenant_id is None:
            raise NotFound("Tenant not found.")
        if request.amount_nano == 0:
            raise InvalidRequest("amount_nano must not be zero.", param="amount_nano")
        if not 1 <= len(request.cause_id) <= MAX_CAUSE_ID:
            raise InvalidRequest(f"cause_id is required (at most {MAX_CAUSE_ID} characters).",
                                 param="cause_id")
        reason = request.reason.strip()
        if not 1 <= len(reason) <= MAX_REASON:
            raise InvalidRequest(f"reason is required (at most {MAX_REASON} characters).",
                                 param="reason")
        balance = await self._repo.adjust(tenant_id, request.amount_nano, reason,
                                          request.cause_id)
        log.info("balance adjusted", extra={"tenant_id": str(tenant_id),
                                            "amount_nano": request.amount_nano,
                                            "cause_id": request.cause_id})
        return ledger_pb2.Balance(tenant_id=str(tenant_id), balance_nano=balance)
