"""API keys with controls (`client.keys`) and usage history (`client.usage`), sync and async.

    key = client.keys.create("ci", budget_usd="5", budget_period="day", rpm=60,
                             allowed_models=["auto", "fast"], expires_at="2027-01-01T00:00:00Z")
    print(key.key)                       # the secret, shown only this once
    client.keys.update(key.id, budget_usd=None, tpm=100_000)   # None clears a control
    for k in client.keys.list().data:
        print(k.name, k.spend_usd, k.budget_usd, k.budget_resets_at)
    page = client.usage.list(key_id=key.id, cache="exact", since="2026-12-01")
    summary = client.usage.summary()     # per-day spend, tiers, cache hits, savings

A key over its budget answers `RateLimitError` with `code == "key_budget_exceeded"`; a model
value the key may not use answers `PermissionDeniedError`; an expired key
`AuthenticationError`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tokaroo.types import (
    ApiKey,
    ApiKeyList,
    CreatedApiKey,
    RevokedApiKey,
    UsagePage,
    UsageRecord,
    UsageSummary,
)

if TYPE_CHECKING:
    from tokaroo._async_client import AsyncTokaroo
    from tokaroo._client import Tokaroo

_UNSET: Any = object()
Usd = Decimal | int | float | str
When = datetime | date | str


def _usd(value: Usd | None) -> str | None:
    """USD as a decimal string: exact on the wire (a float is rendered by `repr`)."""
    return None if value is None else str(value)


def _when(value: When | None) -> str | None:
    return value.isoformat() if isinstance(value, (datetime, date)) else value


def key_body(
    *,
    name: Any = _UNSET,
    budget_usd: Any = _UNSET,
    budget_period: Any = _UNSET,
    rpm: Any = _UNSET,
    tpm: Any = _UNSET,
    allowed_models: Any = _UNSET,
    expires_at: Any = _UNSET,
) -> dict[str, Any]:
    """The JSON body of POST/PATCH /keys: only the controls given (None clears one). Pure."""
    body: dict[str, Any] = {}
    for field, value in (
        ("name", name),
        ("budget_period", budget_period),
        ("rpm", rpm),
        ("tpm", tpm),
    ):
        if value is not _UNSET:
            body[field] = value
    if budget_usd is not _UNSET:
        body["budget_usd"] = _usd(budget_usd)
    if allowed_models is not _UNSET:
        body["allowed_models"] = None if allowed_models is None else list(allowed_models)
    if expires_at is not _UNSET:
        body["expires_at"] = _when(expires_at)
    return body


def usage_params(
    limit: int | None,
    cursor: str | None,
    key_id: str | None,
    tier: str | None,
    cache: str | None,
    since: When | None,
    until: When | None,
) -> dict[str, Any]:
    return {
        "limit": limit,
        "cursor": cursor,
        "key_id": key_id,
        "tier": tier,
        "cache": cache,
        "since": _when(since),
        "until": _when(until),
    }


def _path(key_id: str) -> str:
    return f"/keys/{quote(key_id, safe='')}"


class Keys:
    def __init__(self, client: Tokaroo) -> None:
        self._client = client

    def create(
        self,
        name: str = "default",
        *,
        budget_usd: Usd | None = _UNSET,
        budget_period: str = _UNSET,
        rpm: int | None = _UNSET,
        tpm: int | None = _UNSET,
        allowed_models: list[str] | None = _UNSET,
        expires_at: When | None = _UNSET,
    ) -> CreatedApiKey:
        """A new API key, with optional controls; its secret `key` is returned only once.
        `budget_period`: "day", "month" (default) or "total"."""
        body = key_body(
            name=name,
            budget_usd=budget_usd,
            budget_period=budget_period,
            rpm=rpm,
            tpm=tpm,
            allowed_models=allowed_models,
            expires_at=expires_at,
        )
        return self._client._model(CreatedApiKey, "POST", "/keys", body=body)

    def update(
        self,
        key_id: str,
        *,
        name: str = _UNSET,
        budget_usd: Usd | None = _UNSET,
        budget_period: str = _UNSET,
        rpm: int | None = _UNSET,
        tpm: int | None = _UNSET,
        allowed_models: list[str] | None = _UNSET,
        expires_at: When | None = _UNSET,
    ) -> ApiKey:
        """Change some controls of a key; those not passed stay, None clears one."""
        body = key_body(
            name=name,
            budget_usd=budget_usd,
            budget_period=budget_period,
            rpm=rpm,
            tpm=tpm,
            allowed_models=allowed_models,
            expires_at=expires_at,
        )
        return self._client._model(ApiKey, "PATCH", _path(key_id), body=body)

    def list(self) -> ApiKeyList:
        """The tenant's keys (no secrets), each with its controls and period spend."""
        return self._client._model(ApiKeyList, "GET", "/keys")

    def revoke(self, key_id: str) -> RevokedApiKey:
        return self._client._model(RevokedApiKey, "DELETE", _path(key_id))


class Usage:
    def __init__(self, client: Tokaroo) -> None:
        self._client = client

    def list(
        self,
        *,
        limit: int | None = None,
        cursor: str | None = None,
        key_id: str | None = None,
        tier: str | None = None,
        cache: str | None = None,
        since: When | None = None,
        until: When | None = None,
    ) -> UsagePage:
        """One page of usage records, newest first: `data`, `has_more`, `next_cursor`.
        Filters: a key, a tier, a cache outcome (miss, exact, semantic), a time range."""
        return self._client._model(
            UsagePage,
            "GET",
            "/usage",
            params=usage_params(limit, cursor, key_id, tier, cache, since, until),
        )

    def iterate(self, *, limit: int | None = None, **filters: Any) -> Iterator[UsageRecord]:
        """Every usage record, newest first, following `next_cursor`."""
        cursor: str | None = None
        while True:
            page = self.list(limit=limit, cursor=cursor, **filters)
            yield from page.data
            if not page.has_more or not page.next_cursor:
                return
            cursor = page.next_cursor

    def summary(
        self, *, since: When | None = None, until: When | None = None, key_id: str | None = None
    ) -> UsageSummary:
        """Per-day totals (default: the last 30 days): spend, requests by tier and by cache
        outcome, and the savings against the market baseline."""
        return self._client._model(
            UsageSummary,
            "GET",
            "/usage/summary",
            params={"since": _when(since), "until": _when(until), "key_id": key_id},
        )


class AsyncKeys:
    def __init__(self, client: AsyncTokaroo) -> None:
        self._client = client

    async def create(
        self,
        name: str = "default",
        *,
        budget_usd: Usd | None = _UNSET,
        budget_period: str = _UNSET,
        rpm: int | None = _UNSET,
        tpm: int | None = _UNSET,
        allowed_models: list[str] | None = _UNSET,
        expires_at: When | None = _UNSET,
    ) -> CreatedApiKey:
        body = key_body(
            name=name,
            budget_usd=budget_usd,
            budget_period=budget_period,
            rpm=rpm,
            tpm=tpm,
            allowed_models=allowed_models,
            expires_at=expires_at,
        )
        return await self._client._model(CreatedApiKey, "POST", "/keys", body=body)

    async def update(
        self,
        key_id: str,
        *,
        name: str = _UNSET,
        budget_usd: Usd | None = _UNSET,
        budget_period: str = _UNSET,
        rpm: int | None = _UNSET,
        tpm: int | None = _UNSET,
        allowed_models: list[str] | None = _UNSET,
        expires_at: When | None = _UNSET,
    ) -> ApiKey:
        body = key_body(
            name=name,
            budget_usd=budget_usd,
            budget_period=budget_period,
            rpm=rpm,
            tpm=tpm,
            allowed_models=allowed_models,
            expires_at=expires_at,
        )
        return await self._client._model(ApiKey, "PATCH", _path(key_id), body=body)

    async def list(self) -> ApiKeyList:
        return await self._client._model(ApiKeyList, "GET", "/keys")

    async def revoke(self, key_id: str) -> RevokedApiKey:
        return await self._client._model(RevokedApiKey, "DELETE", _path(key_id))


class AsyncUsage:
    def __init__(self, client: AsyncTokaroo) -> None:
        self._client = client

    async def list(
        self,
        *,
        limit: int | None = None,
        cursor: str | None = None,
        key_id: str | None = None,
        tier: str | None = None,
        cache: str | None = None,
        since: When | None = None,
        until: When | None = None,
    ) -> UsagePage:
        return await self._client._model(
            UsagePage,
            "GET",
            "/usage",
            params=usage_params(limit, cursor, key_id, tier, cache, since, until),
        )

    async def iterate(
        self, *, limit: int | None = None, **filters: Any
    ) -> AsyncIterator[UsageRecord]:
        cursor: str | None = None
        while True:
            page = await self.list(limit=limit, cursor=cursor, **filters)
            for record in page.data:
                yield record
            if not page.has_more or not page.next_cursor:
                return
            cursor = page.next_cursor

    async def summary(
        self, *, since: When | None = None, until: When | None = None, key_id: str | None = None
    ) -> UsageSummary:
        return await self._client._model(
            UsageSummary,
            "GET",
            "/usage/summary",
            params={"since": _when(since), "until": _when(until), "key_id": key_id},
        )
