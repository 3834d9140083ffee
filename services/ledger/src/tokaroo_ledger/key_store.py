"""API keys in PostgreSQL: create, list (with each key's spend in its current period),
update, revoke and authenticate. Every query of a tenant's keys filters on tenant_id."""

from __future__ import annotations

import hmac
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from tokaroo_common.errors import NotFound

from tokaroo_ledger import key_secrets
from tokaroo_ledger.key_controls import KeyControls
from tokaroo_ledger.models import ApiKey, Principal, new_id

LAST_USED_RESOLUTION_S = 60

KEY_COLS = (
    "id, tenant_id, name, prefix, created_at, last_used_at, revoked_at, "
    "requests_per_minute, tokens_per_minute, budget_nano, budget_period, "
    "allowed_models, expires_at"
)

# The settled spend of each key's current period (key_period_start, migration 0005).
_SPENT = (
    "(SELECT coalesce(sum(s.spent_nano), 0)::bigint FROM key_spend_daily s "
    "WHERE s.key_id = k.id AND s.tenant_id = k.tenant_id AND s.day >= "
    "coalesce(key_period_start(k.budget_period, now()), '-infinity'::date)) AS spent"
)
_SELECT = (
    f"SELECT {', '.join('k.' + c.strip() for c in KEY_COLS.split(','))}, {_SPENT} FROM api_keys k"
)


def key_row(row: Any) -> ApiKey:
    controls = KeyControls(
        row["requests_per_minute"],
        row["tokens_per_minute"],
        row["budget_nano"],
        row["budget_period"],
        tuple(row["allowed_models"] or ()),
        row["expires_at"],
    )
    spent = row.get("spent", 0)
    return ApiKey(
        row["id"],
        row["tenant_id"],
        row["name"],
        row["prefix"],
        row["created_at"],
        row["last_used_at"],
        row["revoked_at"],
        controls,
        int(spent),
    )


async def insert_key(
    conn: asyncpg.Connection,
    tenant_id: uuid.UUID,
    name: str,
    secret: str,
    key_hash: str,
    controls: KeyControls | None = None,
) -> ApiKey:
    c = controls or KeyControls()
    row = await conn.fetchrow(
        f"INSERT INTO api_keys (id, tenant_id, name, prefix, key_hash, requests_per_minute, "
        f"tokens_per_minute, budget_nano, budget_period, allowed_models, expires_at) "
        f"SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 "
        f"WHERE EXISTS (SELECT 1 FROM tenants WHERE id = $2) RETURNING {KEY_COLS}",
        new_id(),
        tenant_id,
        name,
        key_secrets.display_prefix(secret),
        key_hash,
        c.requests_per_minute,
        c.tokens_per_minute,
        c.budget_nano,
        c.budget_period,
        list(c.allowed_models),
        c.expires_at,
    )
    if row is None:
        raise NotFound("Tenant not found.")
    return key_row(row)


class KeyStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def create_key(
        self, tenant_id: uuid.UUID, name: str, controls: KeyControls | None = None
    ) -> tuple[ApiKey, str]:
        secret = key_secrets.generate_secret()
        async with self._pool.acquire() as conn:
            key = await insert_key(
                conn, tenant_id, name, secret, key_secrets.hash_secret(secret), controls
            )
        return key, secret

    async def list_keys(self, tenant_id: uuid.UUID) -> list[ApiKey]:
        rows = await self._pool.fetch(
            f"{_SELECT} WHERE k.tenant_id = $1 ORDER BY k.created_at DESC, k.id DESC", tenant_id
        )
        return [key_row(r) for r in rows]

    async def get_key(self, tenant_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey | None:
        row = await self._pool.fetchrow(
            f"{_SELECT} WHERE k.id = $1 AND k.tenant_id = $2", key_id, tenant_id
        )
        return None if row is None else key_row(row)

    async def update_key(
        self, tenant_id: uuid.UUID, key_id: uuid.UUID, name: str | None, controls: KeyControls
    ) -> ApiKey | None:
        """Replace the key's controls (and name, when given): the caller merged the change
        into the key's current controls. None when the tenant has no such key."""
        found = await self._pool.fetchval(
            "UPDATE api_keys SET name = coalesce($3, name), requests_per_minute = $4, "
            "tokens_per_minute = $5, budget_nano = $6, budget_period = $7, "
            "allowed_models = $8, expires_at = $9 "
            "WHERE id = $1 AND tenant_id = $2 RETURNING id",
            key_id,
            tenant_id,
            name,
            controls.requests_per_minute,
            controls.tokens_per_minute,
            controls.budget_nano,
            controls.budget_period,
            list(controls.allowed_models),
            controls.expires_at,
        )
        return None if found is None else await self.get_key(tenant_id, key_id)

    async def revoke_key(self, tenant_id: uuid.UUID, key_id: uuid.UUID) -> bool:
        """True if the tenant owns that key (now revoked; revoking twice is fine)."""
        found = await self._pool.fetchval(
            "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) "
            "WHERE id = $1 AND tenant_id = $2 RETURNING id",
            key_id,
            tenant_id,
        )
        return found is not None

    async def authenticate(self, key_hash: str) -> Principal | None:
        """The live key with that hash (not revoked; an expired key is returned with its
        expiry, so the edge can say it expired). last_used_at is written at most once a
        minute."""
        row = await self._pool.fetchrow(
            "SELECT id, tenant_id, key_hash, requests_per_minute, tokens_per_minute, "
            "expires_at, allowed_models, budget_nano, budget_period, "
            "(last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2)) AS stale"
            " FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
            key_hash,
            LAST_USED_RESOLUTION_S,
        )
        if row is None or not hmac.compare_digest(row["key_hash"], key_hash):
            return None
        expired = row["expires_at"] is not None and row["expires_at"] <= datetime.now(UTC)
        if row["stale"] and not expired:
            await self._pool.execute(
                "UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND "
                "(last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2))",
                row["id"],
                LAST_USED_RESOLUTION_S,
            )
        return Principal(
            row["tenant_id"],
            row["id"],
            row["requests_per_minute"],
            row["tokens_per_minute"],
            row["expires_at"],
            tuple(row["allowed_models"] or ()),
            row["budget_nano"],
            row["budget_period"],
        )
