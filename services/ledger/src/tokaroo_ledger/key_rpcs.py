"""The key RPCs of the LedgerService (CreateKey, ListKeys, UpdateKey, RevokeKey,
Authenticate, Hold), behind one class the servicer delegates to. Converts between protobuf
and the key store; raises Tokaroo errors, which the servicer's `@rpc` maps."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tokaroo_common.errors import InvalidRequest, NotFound
from tokaroo_common.periods import period_reset
from tokaroo_proto.ledger.v1 import ledger_pb2

from tokaroo_ledger import key_secrets
from tokaroo_ledger.holds import HoldResult, HoldService
from tokaroo_ledger.key_controls import (
    KeyControls,
    check_budget,
    check_limit,
    check_models,
    check_period,
    from_unix_ms,
)
from tokaroo_ledger.key_store import KeyStore
from tokaroo_ledger.models import ApiKey, parse_id

MAX_NAME = 200
MAX_HOLD_TTL_MS = 3_600_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def unix_ms(value: datetime | None) -> int:
    return 0 if value is None else (value - _EPOCH) // timedelta(milliseconds=1)


def name_field(value: str, field: str, default: str = "") -> str:
    value = value.strip() or default
    if len(value) > MAX_NAME:
        raise InvalidRequest(f"{field} is longer than {MAX_NAME} characters.", param=field)
    return value


def key_info(key: ApiKey, now: datetime | None = None) -> ledger_pb2.KeyInfo:
    c = key.controls
    reset = period_reset(c.budget_period, now or datetime.now(UTC))
    info = ledger_pb2.KeyInfo(
        id=str(key.id),
        name=key.name,
        prefix=key.prefix,
        created_at_unix_ms=unix_ms(key.created_at),
        last_used_at_unix_ms=unix_ms(key.last_used_at),
        revoked=key.revoked_at is not None,
        requests_per_minute=c.requests_per_minute,
        tokens_per_minute=c.tokens_per_minute,
        budget_period=c.budget_period,
        period_spent_nano=key.period_spent_nano,
        period_resets_at_unix_ms=unix_ms(reset),
        allowed_models=list(c.allowed_models),
        expires_at_unix_ms=unix_ms(c.expires_at),
    )
    if c.budget_nano is not None:
        info.budget_nano = c.budget_nano
    return info


def create_controls(request: ledger_pb2.CreateKeyRequest) -> KeyControls:
    """Validated controls of a new key. Pure."""
    return KeyControls(
        check_limit(request.requests_per_minute, "rpm"),
        check_limit(request.tokens_per_minute, "tpm"),
        check_budget(request.budget_nano if request.HasField("budget_nano") else None),
        check_period(request.budget_period),
        check_models(list(request.allowed_models)),
        from_unix_ms(request.expires_at_unix_ms),
    )


def updated_controls(current: KeyControls, request: ledger_pb2.UpdateKeyRequest) -> KeyControls:
    """The key's controls with the request's changes applied (unset fields stay). Pure."""
    c = current
    if request.HasField("requests_per_minute"):
        c = replace(c, requests_per_minute=check_limit(request.requests_per_minute, "rpm"))
    if request.HasField("tokens_per_minute"):
        c = replace(c, tokens_per_minute=check_limit(request.tokens_per_minute, "tpm"))
    if request.clear_budget:
        c = replace(c, budget_nano=None)
    elif request.HasField("budget_nano"):
        c = replace(c, budget_nano=check_budget(request.budget_nano))
    if request.HasField("budget_period"):
        c = replace(c, budget_period=check_period(request.budget_period))
    if request.set_allowed_models:
        c = replace(c, allowed_models=check_models(list(request.allowed_models)))
    if request.HasField("expires_at_unix_ms"):
        c = replace(c, expires_at=from_unix_ms(request.expires_at_unix_ms))
    return c


def hold_response(result: HoldResult, now: datetime) -> ledger_pb2.HoldResponse:
    resp = ledger_pb2.HoldResponse(
        ok=result.ok, available_nano=result.available_nano, reason=result.reason
    )
    if result.reason == "key_budget":
        resp.key_budget_nano = result.key_budget_nano or 0
        resp.key_spent_nano = result.key_spent_nano
        resp.key_held_nano = result.key_held_nano
        resp.key_period = result.key_period
        resp.key_resets_at_unix_ms = unix_ms(period_reset(result.key_period, now))
    return resp


class KeyRpcs:
    def __init__(self, store: KeyStore, holds: HoldService) -> None:
        self._store = store
        self._holds = holds

    async def hold(self, request: ledger_pb2.HoldRequest) -> ledger_pb2.HoldResponse:
        tenant_id = parse_id(request.tenant_id)
        if tenant_id is None or not request.request_id or request.amount_nano < 0:
            raise InvalidRequest("A hold needs a tenant, a request id and an amount >= 0.")
        key_id = parse_id(request.key_id)
        if request.key_id and key_id is None:
            raise InvalidRequest("key_id is not a key id.", param="key_id")
        ttl_ms = min(max(request.ttl_ms, 1_000), MAX_HOLD_TTL_MS)
        result = await self._holds.hold(
            tenant_id, request.request_id, request.amount_nano, ttl_ms, key_id
        )
        if result is None:
            raise NotFound("Tenant not found.")
        return hold_response(result, datetime.now(UTC))

    async def authenticate(
        self, request: ledger_pb2.AuthenticateRequest
    ) -> ledger_pb2.AuthenticateResponse:
        key_hash = key_secrets.normalize_hash(request.key_hash)
        principal = await self._store.authenticate(key_hash) if key_hash else None
        if principal is None:
            return ledger_pb2.AuthenticateResponse(ok=False)
        return ledger_pb2.AuthenticateResponse(
            ok=True,
            tenant_id=str(principal.tenant_id),
            key_id=str(principal.key_id),
            requests_per_minute=principal.requests_per_minute,
            tokens_per_minute=principal.tokens_per_minute,
            expires_at_unix_ms=unix_ms(principal.expires_at),
            allowed_models=list(principal.allowed_models),
            budget_nano=principal.budget_nano,
            budget_period=principal.budget_period,
        )

    async def create(self, request: ledger_pb2.CreateKeyRequest) -> ledger_pb2.CreatedKey:
        tenant_id = parse_id(request.tenant_id)
        if tenant_id is None:
            raise NotFound("Tenant not found.")
        key, secret = await self._store.create_key(
            tenant_id, name_field(request.name, "name"), create_controls(request)
        )
        return ledger_pb2.CreatedKey(key=key_info(key), secret=secret)

    async def list(self, request: ledger_pb2.ListKeysRequest) -> ledger_pb2.ListKeysResponse:
        tenant_id = parse_id(request.tenant_id)
        found = await self._store.list_keys(tenant_id) if tenant_id else []
        now = datetime.now(UTC)
        return ledger_pb2.ListKeysResponse(keys=[key_info(k, now) for k in found])

    async def update(self, request: ledger_pb2.UpdateKeyRequest) -> ledger_pb2.KeyInfo:
        tenant_id, key_id = parse_id(request.tenant_id), parse_id(request.key_id)
        current = (
            await self._store.get_key(tenant_id, key_id)
            if tenant_id is not None and key_id is not None
            else None
        )
        if current is None or tenant_id is None or key_id is None:
            raise NotFound("API key not found.")
        name = name_field(request.name, "name") if request.HasField("name") else None
        if name == "":
            raise InvalidRequest("name must not be empty.", param="name")
        updated = await self._store.update_key(
            tenant_id, key_id, name, updated_controls(current.controls, request)
        )
        if updated is None:
            raise NotFound("API key not found.")
        return key_info(updated)

    async def revoke(self, request: ledger_pb2.RevokeKeyRequest) -> ledger_pb2.RevokeKeyResponse:
        tenant_id, key_id = parse_id(request.tenant_id), parse_id(request.key_id)
        if (
            tenant_id is None
            or key_id is None
            or not await self._store.revoke_key(tenant_id, key_id)
        ):
            raise NotFound("API key not found.")
        return ledger_pb2.RevokeKeyResponse(revoked=True)
