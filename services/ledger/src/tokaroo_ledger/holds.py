"""Balance holds (admission control) and key budgets, the ledger's side: the Valkey book
(tokaroo_common.reservations) is what every edge replica holds against; the ledger answers
the holds an edge could not place there because the tenant's mirror is cold (never loaded,
or lost with Valkey). It loads the mirror from PostgreSQL, with a fence after a Valkey loss,
and places the hold in the same book, so there is one set of rules."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg  # type: ignore[import-untyped]
from tokaroo_common.errors import ServiceUnavailable
from tokaroo_common.ids import new_request_id
from tokaroo_common.periods import period_start_day
from tokaroo_common.reservations import (
    HoldOutcome,
    KeyBudget,
    ReservationBook,
    Settled,
    fenced_error,
)

from tokaroo_ledger.mirror import fence_until, snapshots

log = logging.getLogger(__name__)

LOAD_ATTEMPTS = 3


@dataclass(frozen=True)
class HoldResult:
    ok: bool
    available_nano: int
    reason: str = ""  # why it was refused: balance | key_budget | key_inactive
    key_budget_nano: int | None = None
    key_spent_nano: int = 0
    key_held_nano: int = 0
    key_period: str = ""


class HoldService:
    def __init__(self, pool: asyncpg.Pool, book: ReservationBook, fence: timedelta) -> None:
        self._pool = pool
        self._book = book
        self._fence = fence
        self._fences: dict[str, int] = {}  # epoch -> fence end (ms); one entry per Valkey loss

    async def hold(
        self,
        tenant_id: uuid.UUID,
        request_id: str,
        amount_nano: int,
        ttl_ms: int,
        key_id: uuid.UUID | None = None,
    ) -> HoldResult | None:
        """Reserve amount_nano unless balance minus live holds, or the key's budget minus its
        period spend and live holds, cannot cover it. None for an unknown tenant. Idempotent
        on request_id. Raises ServiceUnavailable while the mirror is fenced."""
        now = datetime.now(UTC)
        key: KeyBudget | None = None
        if key_id is not None:
            row = await self._pool.fetchrow(
                "SELECT budget_nano, budget_period, revoked_at, expires_at FROM api_keys "
                "WHERE id = $1 AND tenant_id = $2",
                key_id,
                tenant_id,
            )
            if (
                row is None
                or row["revoked_at"] is not None
                or (row["expires_at"] is not None and row["expires_at"] <= now)
            ):
                exists = await self._pool.fetchval("SELECT 1 FROM tenants WHERE id = $1", tenant_id)
                return HoldResult(False, 0, "key_inactive") if exists else None
            key = KeyBudget(
                str(key_id),
                row["budget_nano"],
                row["budget_period"],
                period_start_day(row["budget_period"], now),
            )
        result = await self._book.hold(
            str(tenant_id), request_id, amount_nano, now_ms=_ms(now), ttl_ms=ttl_ms, key=key
        )
        for _ in range(LOAD_ATTEMPTS):
            if result.status != "cold":
                break
            if not await self.load(tenant_id, key_id):
                return None
            result = await self._book.hold(
                str(tenant_id),
                request_id,
                amount_nano,
                now_ms=_ms(datetime.now(UTC)),
                ttl_ms=ttl_ms,
                key=key,
            )
        return _result(result, key)

    async def load(self, tenant_id: uuid.UUID, key_id: uuid.UUID | None) -> bool:
        """Build the tenant's mirror (and the key's spend) from PostgreSQL; False for an
        unknown tenant."""
        fence = await self._fence_ms()
        for _ in range(LOAD_ATTEMPTS):
            found = await snapshots(
                self._pool, [tenant_id], [key_id] if key_id else [], datetime.now(UTC)
            )
            snapshot = found.get(tenant_id)
            if snapshot is None:
                return False
            if await self._book.load(snapshot, fence):
                log.info("balance mirror loaded", extra={"tenant_id": str(tenant_id)})
                return True
        return True  # a newer mirror was written meanwhile: it is warm

    async def refresh(self, tenant_id: uuid.UUID) -> None:
        """Mirror a balance changed outside settlement (a credit, an adjustment). A failure is
        logged, not raised: the change is committed, and the mirror catches up with the next
        settlement of the tenant (or its next load after a Valkey loss)."""
        try:
            found = await snapshots(self._pool, [tenant_id], [], datetime.now(UTC))
            if tenant_id in found:
                await self._book.apply([Settled(found[tenant_id])])
        except Exception as exc:  # noqa: BLE001 - see the docstring
            log.warning(
                "balance mirror not refreshed",
                extra={"tenant_id": str(tenant_id), "error": repr(exc)},
            )

    async def _fence_ms(self) -> int:
        epoch = await self._book.epoch(new_request_id())
        fence = self._fences.get(epoch)
        if fence is None:
            until = await fence_until(self._pool, epoch, self._fence)
            fence = _ms(until) if until > datetime.now(UTC) else 0
            self._fences = {epoch: fence}
            if fence:
                log.warning(
                    "reservation store lost its data: holds refused until the fence",
                    extra={"fence_until": until.isoformat()},
                )
        return fence


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _result(outcome: HoldOutcome, key: KeyBudget | None) -> HoldResult:
    if outcome.status == "fenced":
        raise fenced_error(outcome.retry_after_ms)
    if outcome.status == "cold":  # pragma: no cover - loaded three times and still cold
        raise ServiceUnavailable("The ledger is temporarily unavailable. Please retry.")
    budget = key.budget_nano if key is not None else None
    period = key.period if key is not None else ""
    reason = "" if outcome.ok else outcome.status
    return HoldResult(
        outcome.ok,
        outcome.available_nano,
        reason,
        budget,
        outcome.key_spent_nano,
        outcome.key_held_nano,
        period,
    )
