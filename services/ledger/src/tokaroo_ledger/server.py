"""The gRPC LedgerService: thin handlers that validate, call the repository and map errors.

Errors of the Tokaroo hierarchy abort the call with their gRPC status; a database that cannot
be reached answers UNAVAILABLE; anything else INTERNAL (logged, never shown)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
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

from tokaroo_ledger import key_secrets
from tokaroo_ledger.holds import HoldService
from tokaroo_ledger.key_rpcs import KeyRpcs, key_info, name_field, unix_ms
from tokaroo_ledger.key_store import KeyStore
from tokaroo_ledger.models import Tenant, parse_id
from tokaroo_ledger.repository import LedgerRepository
from tokaroo_ledger.stripe_rpcs import StripeRpcs
from tokaroo_ledger.usage_rpcs import UsageRpcs
from tokaroo_ledger.usage_store import UsageStore

log = logging.getLogger(__name__)

MAX_CAUSE_ID = 200
MAX_REASON = 1000

_UNAVAILABLE = (
    OSError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.TooManyConnectionsError,
    TimeoutError,
)

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


def tenant_info(tenant: Tenant) -> ledger_pb2.TenantInfo:
    return ledger_pb2.TenantInfo(
        id=str(tenant.id),
        name=tenant.name,
        balance_nano=tenant.balance_nano,
        created_at_unix_ms=unix_ms(tenant.created_at),
    )


class LedgerServicer(ledger_pb2_grpc.LedgerServiceServicer):
    def __init__(self, repo: LedgerRepository, holds: HoldService, stripe: StripeRpcs) -> None:
        self._repo = repo
        self._holds = holds
        self._stripe = stripe
        self._keys = KeyRpcs(KeyStore(repo.pool), holds)
        self._usage = UsageRpcs(UsageStore(repo.pool))

    @rpc
    async def CreateCheckout(
        self, request: ledger_pb2.CreateCheckoutRequest, context: Ctx
    ) -> ledger_pb2.CheckoutSession:
        return await self._stripe.create_checkout(request)

    @rpc
    async def GetBillingConfig(
        self, request: ledger_pb2.GetBillingConfigRequest, context: Ctx
    ) -> ledger_pb2.BillingConfig:
        return self._stripe.billing_config()

    @rpc
    async def HandleStripeWebhook(
        self, request: ledger_pb2.StripeWebhookRequest, context: Ctx
    ) -> ledger_pb2.StripeWebhookResponse:
        resp = await self._stripe.handle_webhook(request)
        if resp.credited:
            tenant_id = parse_id(resp.tenant_id)
            if tenant_id is not None:
                await self._holds.refresh(tenant_id)
        return resp

    @rpc
    async def Hold(self, request: ledger_pb2.HoldRequest, context: Ctx) -> ledger_pb2.HoldResponse:
        return await self._keys.hold(request)

    @rpc
    async def Authenticate(
        self, request: ledger_pb2.AuthenticateRequest, context: Ctx
    ) -> ledger_pb2.AuthenticateResponse:
        return await self._keys.authenticate(request)

    @rpc
    async def GetBalance(
        self, request: ledger_pb2.GetBalanceRequest, context: Ctx
    ) -> ledger_pb2.Balance:
        tenant_id = parse_id(request.tenant_id)
        balance = await self._repo.get_balance(tenant_id) if tenant_id else None
        if balance is None:
            raise NotFound("Tenant not found.")
        return ledger_pb2.Balance(tenant_id=str(tenant_id), balance_nano=balance)

    @rpc
    async def CreateKey(
        self, request: ledger_pb2.CreateKeyRequest, context: Ctx
    ) -> ledger_pb2.CreatedKey:
        return await self._keys.create(request)

    @rpc
    async def ListKeys(
        self, request: ledger_pb2.ListKeysRequest, context: Ctx
    ) -> ledger_pb2.ListKeysResponse:
        return await self._keys.list(request)

    @rpc
    async def UpdateKey(
        self, request: ledger_pb2.UpdateKeyRequest, context: Ctx
    ) -> ledger_pb2.KeyInfo:
        return await self._keys.update(request)

    @rpc
    async def RevokeKey(
        self, request: ledger_pb2.RevokeKeyRequest, context: Ctx
    ) -> ledger_pb2.RevokeKeyResponse:
        return await self._keys.revoke(request)

    @rpc
    async def ListUsage(
        self, request: ledger_pb2.ListUsageRequest, context: Ctx
    ) -> ledger_pb2.ListUsageResponse:
        return await self._usage.list(request)

    @rpc
    async def UsageSummary(
        self, request: ledger_pb2.UsageSummaryRequest, context: Ctx
    ) -> ledger_pb2.UsageSummaryResponse:
        return await self._usage.summary(request)

    @rpc
    async def CreateTenant(
        self, request: ledger_pb2.CreateTenantRequest, context: Ctx
    ) -> ledger_pb2.CreatedTenant:
        name = name_field(request.name, "name")
        if not name:
            raise InvalidRequest("name is required.", param="name")
        if request.initial_credit_nano < 0:
            raise InvalidRequest(
                "initial_credit_nano must not be negative.", param="initial_credit_nano"
            )
        pinned = request.pinned_secret
        if pinned and not key_secrets.valid_pinned_secret(pinned):
            raise InvalidRequest(
                "pinned_secret must be 16 to 512 printable characters.", param="pinned_secret"
            )
        secret = pinned or key_secrets.generate_secret()
        tenant, key, created = await self._repo.create_tenant(
            name,
            request.initial_credit_nano,
            name_field(request.key_name, "key_name", "default"),
            secret,
            pinned=bool(pinned),
        )
        log.info(
            "tenant created" if created else "tenant exists (pinned key)",
            extra={"tenant_id": str(tenant.id)},
        )
        return ledger_pb2.CreatedTenant(
            tenant_id=str(tenant.id), key=ledger_pb2.CreatedKey(key=key_info(key), secret=secret)
        )

    @rpc
    async def ListTenants(
        self, request: ledger_pb2.ListTenantsRequest, context: Ctx
    ) -> ledger_pb2.ListTenantsResponse:
        return ledger_pb2.ListTenantsResponse(
            tenants=[tenant_info(t) for t in await self._repo.list_tenants()]
        )

    @rpc
    async def Adjust(self, request: ledger_pb2.AdjustRequest, context: Ctx) -> ledger_pb2.Balance:
        tenant_id = parse_id(request.tenant_id)
        if tenant_id is None:
            raise NotFound("Tenant not found.")
        if request.amount_nano == 0:
            raise InvalidRequest("amount_nano must not be zero.", param="amount_nano")
        if not 1 <= len(request.cause_id) <= MAX_CAUSE_ID:
            raise InvalidRequest(
                f"cause_id is required (at most {MAX_CAUSE_ID} characters).", param="cause_id"
            )
        reason = request.reason.strip()
        if not 1 <= len(reason) <= MAX_REASON:
            raise InvalidRequest(
                f"reason is required (at most {MAX_REASON} characters).", param="reason"
            )
        balance = await self._repo.adjust(tenant_id, request.amount_nano, reason, request.cause_id)
        await self._holds.refresh(tenant_id)
        log.info(
            "balance adjusted",
            extra={
                "tenant_id": str(tenant_id),
                "amount_nano": request.amount_nano,
                "cause_id": request.cause_id,
            },
        )
        return ledger_pb2.Balance(tenant_id=str(tenant_id), balance_nano=balance)
