"""Balance holds (admission control). One transaction per hold, serialized per tenant by a
row lock, so concurrent requests can never reserve more than the balance together."""

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
        async with self._pool.acquire() as conn, conn.transaction():
            # A hold is transient (it expires; settlement removes it): losing the last few on
            # a database crash is harmless, so its commit need not wait for the WAL flush.
            await conn.execute("SET LOCAL synchronous_commit = off")
            balance = await conn.fetchval(
                "SELECT balance_nano FROM tenants WHERE id = $1 FOR UPDATE", tenant_id)
            if balance is None:
                return None
            await conn.execute("DELETE FROM holds WHERE tenant_id = $1 AND expires_at < now()",
                               tenant_id)
            held = await conn.fetchval(
                "SELECT coalesce(sum(amount_nano), 0)::bigint FROM holds "
                "WHERE tenant_id = $1 AND request_id <> $2", tenant_id, request_id)
            available = int(balance) - int(held)
            if available <= 0 or available < amount_nano:
                return HoldResult(False, available)
            await conn.execute(
                "INSERT INTO holds (request_id, tenant_id, amount_nano, expires_at) "
                "VALUES ($1, $2, $3, now() + make_interval(secs => $4::double precision / 1000))"
                " ON CONFLICT (request_id) DO UPDATE SET amount_nano = EXCLUDED.amount_nano",
                request_id, tenant_id, amount_nano, ttl_ms)
            return HoldResult(True, available)
