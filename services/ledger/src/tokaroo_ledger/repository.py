"""Every ledger query, behind one small class over an asyncpg pool.

Tenancy: each tenant-scoped query filters on tenant_id. Money: every balance change writes a
ledger entry and the balance in the same transaction, so a tenant's balance always equals the
sum of its ledger entries (`reconcile` checks it)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from tokaroo_common.errors import InsufficientBalance, InvalidRequest, NotFound
from tokaroo_common.reservations import Settled

from tokaroo_ledger import key_secrets
from tokaroo_ledger.key_store import KEY_COLS, insert_key
from tokaroo_ledger.key_store import key_row as key_row_of
from tokaroo_ledger.mirror import snapshots
from tokaroo_ledger.models import ApiKey, SettleOutcome, Tenant, UsageEvent, new_id

_TENANT_COLS = "id, name, balance_nano, created_at"

# One statement per batch: usage rows (skipping request ids already settled), a charge entry
# for each new row with a positive charge (cause_id = request id, unique), and one balance
# update per tenant. Data-modifying CTEs always run to completion.
_SETTLE_SQL = """
WITH batch AS (
    SELECT * FROM unnest(
        $1::text[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[],
        $8::text[], $9::boolean[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[],
        $14::bigint[], $15::bigint[], $16::text[], $17::bigint[], $18::bigint[], $19::text[],
        $20::text[], $21::integer[], $22::timestamptz[]
    ) AS b(request_id, tenant_id, key_id, endpoint, tier, model_requested, resolved_model,
           provider, streamed, input_tokens, output_tokens, cached_tokens, upstream_cost_nano,
           baseline_cost_nano, charged_nano, cache_outcome, latency_ms, ttft_ms, status,
           error_code, attempts, created_at)
), inserted AS (
    INSERT INTO usage (request_id, tenant_id, key_id, endpoint, tier, model_requested,
                       resolved_model, provider, streamed, input_tokens, output_tokens,
                       cached_tokens, upstream_cost_nano, baseline_cost_nano, charged_nano,
                       cache_outcome, latency_ms, ttft_ms, status, error_code, attempts,
                       created_at)
    SELECT * FROM batch
    ON CONFLICT (request_id) DO NOTHING
    RETURNING request_id, tenant_id, key_id, charged_nano, created_at
), spend AS (
    -- Each key's spend per UTC day, from the newly inserted rows only: once per request.
    INSERT INTO key_spend_daily AS s (key_id, tenant_id, day, spent_nano, requests)
    SELECT i.key_id, i.tenant_id, (i.created_at AT TIME ZONE 'UTC')::date,
           sum(i.charged_nano)::bigint, count(*)
    FROM inserted i JOIN api_keys k ON k.id = i.key_id AND k.tenant_id = i.tenant_id
    GROUP BY 1, 2, 3
    ON CONFLICT (key_id, day) DO UPDATE
        SET spent_nano = s.spent_nano + EXCLUDED.spent_nano,
            requests = s.requests + EXCLUDED.requests
    RETURNING 1
), charges AS (
    INSERT INTO ledger_entries (tenant_id, kind, amount_nano, cause_id, reason)
    SELECT tenant_id, 'charge', -charged_nano, request_id, 'usage'
    FROM inserted WHERE charged_nano > 0
    ON CONFLICT (cause_id) DO NOTHING
    RETURNING tenant_id, amount_nano
), totals AS (
    SELECT tenant_id, sum(amount_nano)::bigint AS total FROM charges GROUP BY tenant_id
), balances AS (
    UPDATE tenants t SET balance_nano = t.balance_nano + totals.total
    FROM totals WHERE t.id = totals.tenant_id
    RETURNING t.id
)
SELECT (SELECT count(*) FROM inserted) AS inserted,
       (SELECT count(*) FROM charges) AS charged,
       (SELECT coalesce(-sum(amount_nano), 0)::bigint FROM charges) AS charged_nano,
       (SELECT count(*) FROM balances) AS tenants
"""


def _tenant(row: Any) -> Tenant:
    return Tenant(row["id"], row["name"], row["balance_nano"], row["created_at"])


class LedgerRepository:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @property
    def pool(self) -> asyncpg.Pool:
        return self._pool

    # ---- tenants ---------------------------------------------------------------------------

    async def create_tenant(
        self, name: str, initial_credit_nano: int, key_name: str, secret: str, *, pinned: bool
    ) -> tuple[Tenant, ApiKey, bool]:
        """Create a tenant with one key and its initial credit. With a pinned secret this is
        idempotent: if that key exists, return its tenant (created=False), credit nothing."""
        key_hash = key_secrets.hash_secret(secret)
        for attempt in (1, 2):
            try:
                async with self._pool.acquire() as conn, conn.transaction():
                    if pinned:
                        found = await self._tenant_of_key(conn, key_hash)
                        if found is not None:
                            return found[0], found[1], False
                    tenant = _tenant(
                        await conn.fetchrow(
                            f"INSERT INTO tenants (id, name, balance_nano) VALUES ($1, $2, $3) "
                            f"RETURNING {_TENANT_COLS}",
                            new_id(),
                            name,
                            initial_credit_nano,
                        )
                    )
                    if initial_credit_nano > 0:
                        await conn.execute(
                            "INSERT INTO ledger_entries (tenant_id, kind, amount_nano, cause_id,"
                            " reason) VALUES ($1, 'credit', $2, $3, 'initial credit')",
                            tenant.id,
                            initial_credit_nano,
                            f"tenant-initial:{tenant.id}",
                        )
                    key = await insert_key(conn, tenant.id, key_name, secret, key_hash)
                    return tenant, key, True
            except asyncpg.UniqueViolationError:
                if not pinned or attempt == 2:  # a concurrent bootstrap won: read its tenant
                    raise
        raise AssertionError("unreachable")

    async def _tenant_of_key(
        self, conn: asyncpg.Connection, key_hash: str
    ) -> tuple[Tenant, ApiKey] | None:
        key_row = await conn.fetchrow(
            f"SELECT {KEY_COLS} FROM api_keys WHERE key_hash = $1", key_hash
        )
        if key_row is None:
            return None
        tenant_row = await conn.fetchrow(
            f"SELECT {_TENANT_COLS} FROM tenants WHERE id = $1", key_row["tenant_id"]
        )
        return _tenant(tenant_row), key_row_of(key_row)

    async def list_tenants(self) -> list[Tenant]:
        rows = await self._pool.fetch(f"SELECT {_TENANT_COLS} FROM tenants ORDER BY created_at")
        return [_tenant(r) for r in rows]

    async def get_balance(self, tenant_id: uuid.UUID) -> int | None:
        value: int | None = await self._pool.fetchval(
            "SELECT balance_nano FROM tenants WHERE id = $1", tenant_id
        )
        return value

    async def adjust(
        self, tenant_id: uuid.UUID, amount_nano: int, reason: str, cause_id: str
    ) -> int:
        """Admin credit (>0) or debit (<0), applied once per cause_id; returns the balance.
        A debit may not take the balance below zero (InsufficientBalance)."""
        for attempt in (1, 2):
            try:
                async with self._pool.acquire() as conn, conn.transaction():
                    balance = await conn.fetchval(
                        "SELECT balance_nano FROM tenants WHERE id = $1 FOR UPDATE", tenant_id
                    )
                    if balance is None:
                        raise NotFound("Tenant not found.")
                    prior = await conn.fetchrow(
                        "SELECT tenant_id, amount_nano, kind FROM ledger_entries "
                        "WHERE cause_id = $1",
                        cause_id,
                    )
                    if prior is not None:
                        if (prior["tenant_id"], prior["amount_nano"], prior["kind"]) != (
                            tenant_id,
                            amount_nano,
                            "adjustment",
                        ):
                            raise InvalidRequest(
                                "cause_id was already used for another entry.", param="cause_id"
                            )
                        return int(balance)
                    if amount_nano < 0 and balance + amount_nano < 0:
                        raise InsufficientBalance("A debit may not take the balance below zero.")
                    await conn.execute(
                        "INSERT INTO ledger_entries (tenant_id, kind, amount_nano, cause_id, "
                        "reason) VALUES ($1, 'adjustment', $2, $3, $4)",
                        tenant_id,
                        amount_nano,
                        cause_id,
                        reason,
                    )
                    new_balance: int = await conn.fetchval(
                        "UPDATE tenants SET balance_nano = balance_nano + $2 WHERE id = $1 "
                        "RETURNING balance_nano",
                        tenant_id,
                        amount_nano,
                    )
                    return new_balance
            except asyncpg.UniqueViolationError:
                if attempt == 2:  # the same cause_id was being applied concurrently: re-read
                    raise
        raise AssertionError("unreachable")

    async def ledger_sum(self, tenant_id: uuid.UUID) -> int:
        total: int = await self._pool.fetchval(
            "SELECT coalesce(sum(amount_nano), 0)::bigint FROM ledger_entries WHERE tenant_id = $1",
            tenant_id,
        )
        return total

    async def reconcile(self) -> list[tuple[uuid.UUID, int, int]]:
        """Tenants whose balance differs from the sum of their entries (should be none)."""
        rows = await self._pool.fetch(
            "SELECT t.id, t.balance_nano, coalesce(sum(e.amount_nano), 0)::bigint AS total "
            "FROM tenants t LEFT JOIN ledger_entries e ON e.tenant_id = t.id "
            "GROUP BY t.id HAVING t.balance_nano <> coalesce(sum(e.amount_nano), 0)"
        )
        return [(r["id"], r["balance_nano"], r["total"]) for r in rows]

    # ---- usage and settlement --------------------------------------------------------------

    async def settle(self, events: Sequence[UsageEvent]) -> SettleOutcome:
        """Apply a batch of completion events in one transaction, exactly once per request id.
        Events of unknown tenants are left out and reported."""
        tenant_ids = sorted({e.tenant_id for e in events})
        async with self._pool.acquire() as conn, conn.transaction():
            # Lock the batch's tenants in a fixed order: concurrent settlers never deadlock.
            rows = await conn.fetch(
                "SELECT id FROM tenants WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE",
                tenant_ids,
            )
            known = {r["id"] for r in rows}
            todo = [e for e in events if e.tenant_id in known]
            if not todo:
                return SettleOutcome(0, 0, 0, frozenset(tenant_ids) - known)
            result = await conn.fetchrow(_SETTLE_SQL, *_columns(todo))
            mirrored = await snapshots(
                conn, known, {e.key_id for e in todo if e.key_id}, datetime.now(UTC)
            )
        released: dict[uuid.UUID, list[str]] = {}
        for e in todo:
            released.setdefault(e.tenant_id, []).append(e.request_id)
        return SettleOutcome(
            result["inserted"],
            result["charged"],
            result["charged_nano"],
            frozenset(tenant_ids) - known,
            tuple(
                Settled(mirrored[t], tuple(rids)) for t, rids in released.items() if t in mirrored
            ),
        )


def _columns(events: Sequence[UsageEvent]) -> list[list[Any]]:
    return [
        [e.request_id for e in events],
        [e.tenant_id for e in events],
        [e.key_id for e in events],
        [e.endpoint for e in events],
        [e.tier for e in events],
        [e.model_requested for e in events],
        [e.resolved_model for e in events],
        [e.provider for e in events],
        [e.streamed for e in events],
        [e.input_tokens for e in events],
        [e.output_tokens for e in events],
        [e.cached_tokens for e in events],
        [e.upstream_cost_nano for e in events],
        [e.baseline_cost_nano for e in events],
        [e.charged_nano for e in events],
        [e.cache_outcome for e in events],
        [e.latency_ms for e in events],
        [e.ttft_ms for e in events],
        [e.status for e in events],
        [e.error_code for e in events],
        [e.attempts for e in events],
        [e.created_at for e in events],
    ]
