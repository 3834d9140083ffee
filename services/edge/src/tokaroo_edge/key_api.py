"""The JSON of API keys with controls, pure: request bodies of POST and PATCH /v1/keys, their
ledger requests, and a key as the API shows it. USD amounts are JSON numbers or decimal
strings, kept exact (integer nano-USD inside); times are ISO 8601 or Unix seconds."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from tokaroo_common.money import format_usd, nano_to_usd, usd_to_nano
from tokaroo_proto.ledger.v1 import ledger_pb2

Period = Literal["day", "month", "total"]
ModelValue = str
MAX_LIMIT = 10**12


def iso(ms: int) -> str | None:
    if not ms:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")


def usd_number(nano: int) -> float:
    """USD as a JSON number; exact for every amount below 10^6 USD (15 significant digits)."""
    return float(nano_to_usd(nano))


class _Controls(BaseModel):
    model_config = ConfigDict(extra="forbid")

    budget_usd: Decimal | None = Field(default=None, allow_inf_nan=False, ge=0, le=10**9)
    budget_period: Period | None = None
    rpm: int | None = Field(default=None, ge=0, le=MAX_LIMIT)
    tpm: int | None = Field(default=None, ge=0, le=MAX_LIMIT)
    allowed_models: list[ModelValue] | None = Field(default=None, max_length=64)
    expires_at: datetime | None = None

    @field_validator("expires_at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            return v.replace(tzinfo=UTC)  # a time without an offset is UTC
        return v

    def expires_ms(self) -> int:
        return 0 if self.expires_at is None else max(int(self.expires_at.timestamp() * 1000), 1)


class KeyCreate(_Controls):
    name: str = Field(default="default", min_length=1, max_length=100)


class KeyPatch(_Controls):
    """Fields left out stay as they are; null clears (no budget, no limit, every model,
    never expires)."""

    name: str | None = Field(default=None, min_length=1, max_length=100)


def create_request(tenant_id: str, body: KeyCreate) -> ledger_pb2.CreateKeyRequest:
    req = ledger_pb2.CreateKeyRequest(
        tenant_id=tenant_id,
        name=body.name,
        requests_per_minute=body.rpm or 0,
        tokens_per_minute=body.tpm or 0,
        budget_period=body.budget_period or "",
        allowed_models=body.allowed_models or [],
        expires_at_unix_ms=body.expires_ms(),
    )
    if body.budget_usd is not None:
        req.budget_nano = usd_to_nano(body.budget_usd)
    return req


def update_request(tenant_id: str, key_id: str, body: KeyPatch) -> ledger_pb2.UpdateKeyRequest:
    sent = body.model_fields_set
    req = ledger_pb2.UpdateKeyRequest(tenant_id=tenant_id, key_id=key_id)
    if "name" in sent and body.name is not None:
        req.name = body.name
    if "rpm" in sent:
        req.requests_per_minute = body.rpm or 0
    if "tpm" in sent:
        req.tokens_per_minute = body.tpm or 0
    if "budget_usd" in sent:
        if body.budget_usd is None:
            req.clear_budget = True
        else:
            req.budget_nano = usd_to_nano(body.budget_usd)
    if "budget_period" in sent and body.budget_period is not None:
        req.budget_period = body.budget_period
    if "allowed_models" in sent:
        req.set_allowed_models = True
        req.allowed_models.extend(body.allowed_models or [])
    if "expires_at" in sent:
        req.expires_at_unix_ms = body.expires_ms()
    return req


def key_json(k: ledger_pb2.KeyInfo, now_ms: int) -> dict[str, Any]:
    budget = k.budget_nano if k.HasField("budget_nano") else None
    return {
        "id": k.id,
        "object": "api_key",
        "name": k.name,
        "prefix": k.prefix,
        "created_at": iso(k.created_at_unix_ms),
        "last_used_at": iso(k.last_used_at_unix_ms),
        "revoked": k.revoked,
        "expires_at": iso(k.expires_at_unix_ms),
        "expired": bool(k.expires_at_unix_ms) and k.expires_at_unix_ms <= now_ms,
        "rpm": k.requests_per_minute or None,
        "tpm": k.tokens_per_minute or None,
        "allowed_models": list(k.allowed_models) or None,
        "budget_usd": None if budget is None else usd_number(budget),
        "budget_usd_exact": None if budget is None else format_usd(budget),
        "budget_period": k.budget_period or "month",
        "spend_usd": usd_number(k.period_spent_nano),
        "spend_usd_exact": format_usd(k.period_spent_nano),
        "budget_resets_at": iso(k.period_resets_at_unix_ms),
    }
