"""Balance holds (admission control) and key budgets. One database function call per hold
(ledger_hold_key, migration 0005), serialized per tenant by a row lock, so concurrent
requests, from any number of edge replicas, can never reserve more than the balance, nor
more than a key's budget minus its period's spend, together."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg  # type: ignore[import-untyped]


@dataclass(frozen=True)
class HoldResult:
    ok: bool
    available_nano: int
    reason: str = ""  # why it was refused: balance | key_budget | key_inactive
    key_budget_nano: int | None = None
    key_spent_nano: int = 0
    key_held_nano: int = 0
    key_period: str = ""


class HoldRepository:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def hold(self, tenant_id: uuid.UUID, request_id: str, amount_nano: int,
                   ttl_ms: int, key_id: uuid.UUID | None = None) -> HoldResult | None:
        """Reserve amount_nano unless balance minus live holds, or the key's budget minus its
        period spend and live holds, cannot cover it. Returns None for an unknown tenant.
        Idempotent on request_id."""
        row = await self._pool.fetchrow(
            "SELECT tenant_found, ok, available_nano, reason, key_budget_nano, key_spent_nano,"
            " key_held_nano, key_period FROM ledger_hold_key($1, $2, $3, $4, $5)",
            tenant_id, request_id, amount_nano, ttl_ms, key_id)
        if row is None or not row["tenant_found"]:
            return None
        return HoldResult(bool(row["ok"]), int(row["available_nano"]), row["reason"],
                          row["key_budget_nano"], int(row["key_spent_nano"]),
                          int(row["key_held_nano"]), row["key_period"])
