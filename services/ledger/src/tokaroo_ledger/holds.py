"""Balance holds (admission control). One database function call per hold (ledger_hold,
migration 0004), serialized per tenant by a row lock, so concurrent requests can never
reserve more than the balance together."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg  # type: ignore[import-untyped]


@dataclass(frozen=True)
class HoldResult:
    ok: bool
    available_nano: int


class HoldRepository:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def hold(self, tenant_id: uuid.UUID, request_id: str, amount_nano: int,
                   ttl_ms: int) -> HoldResult | None:
        """Reserve amount_nano unless balance minus live holds cannot cover it. Returns None
        for an unknown tenant. Idempotent on request_id."""
        # One round trip (migration 0004): the edge waits on this before every upstream call.
        row = await self._pool.fetchrow(
            "SELECT tenant_found, ok, available_nano FROM ledger_hold($1, $2, $3, $4)",
            tenant_id, request_id, amount_nano, ttl_ms)
        if row is None or not row["tenant_found"]:
            return None
        return HoldResult(bool(row["ok"]), int(row["available_nano"]))
