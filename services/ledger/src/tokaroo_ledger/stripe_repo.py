"""The stripe_events table: each verified webhook event recorded once, and a paid Checkout
Session credited exactly once (ledger entry kind 'credit', cause_id = the event id, in the
same transaction as the balance)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg  # type: ignore[import-untyped]

from tokaroo_ledger.stripe_billing import Credit

_INSERT_EVENT = """
INSERT INTO stripe_events (event_id, event_type, session_id, tenant_id, amount_nano, credited)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT DO NOTHING
RETURNING event_id"""


@dataclass(frozen=True)
class CreditOutcome:
    credited: bool  # False: this event, or another one for the same session, came first
    balance_nano: int


class StripeEventRepository:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def tenant_exists(self, tenant_id: uuid.UUID) -> bool:
        found = await self._pool.fetchval("SELECT 1 FROM tenants WHERE id = $1", tenant_id)
        return found is not None

    async def record(self, event_id: str, event_type: str) -> bool:
        """Record an event that credits nothing; False if it was recorded before."""
        row = await self._pool.fetchval(_INSERT_EVENT, event_id, event_type, None, None, 0, False)
        return row is not None

    async def credit(self, credit: Credit) -> CreditOutcome | None:
        """Credit a paid session once. None for an unknown tenant (nothing written)."""
        async with self._pool.acquire() as conn, conn.transaction():
            balance = await conn.fetchval(
                "SELECT balance_nano FROM tenants WHERE id = $1 FOR UPDATE", credit.tenant_id
            )
            if balance is None:
                return None
            # Conflicts on the event id (a replay) or on the session's credited row (another
            # event for a session already credited) both insert nothing.
            first = await conn.fetchval(
                _INSERT_EVENT,
                credit.event_id,
                credit.event_type,
                credit.session_id,
                credit.tenant_id,
                credit.amount_nano,
                True,
            )
            if first is None:
                # Keep a trace of a duplicate delivered under a new event id.
                await conn.execute(
                    _INSERT_EVENT,
                    credit.event_id,
                    credit.event_type,
                    credit.session_id,
                    credit.tenant_id,
                    credit.amount_nano,
                    False,
                )
                return CreditOutcome(False, int(balance))
            await conn.execute(
                "INSERT INTO ledger_entries (tenant_id, kind, amount_nano, cause_id, reason) "
                "VALUES ($1, 'credit', $2, $3, $4)",
                credit.tenant_id,
                credit.amount_nano,
                credit.event_id,
                f"stripe checkout {credit.session_id}",
            )
            new_balance: int = await conn.fetchval(
                "UPDATE tenants SET balance_nano = balance_nano + $2 WHERE id = $1 "
                "RETURNING balance_nano",
                credit.tenant_id,
                credit.amount_nano,
            )
            return CreditOutcome(True, new_balance)
