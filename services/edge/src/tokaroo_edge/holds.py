"""A request's balance hold: placed in the reservation book every edge replica shares
(Valkey, one atomic script: no database on the request path); when the tenant's mirror is
cold (first request, or Valkey lost its data), through the ledger, which loads the mirror
from PostgreSQL and holds in the same book. Fails closed: no book, no request."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from redis.exceptions import RedisError
from tokaroo_common.errors import ServiceUnavailable
from tokaroo_common.periods import period_reset, period_start_day
from tokaroo_common.reservations import HoldOutcome, KeyBudget, ReservationBook, fenced_error
from tokaroo_proto.ledger.v1 import ledger_pb2, ledger_pb2_grpc

from tokaroo_edge.auth import Principal
from tokaroo_edge.internal import call
from tokaroo_edge.key_limits import hold_refusal
from tokaroo_edge.record import RequestRecord

log = logging.getLogger(__name__)

RPC_TIMEOUT_S = 5.0


def key_budget(principal: Principal, now: datetime) -> KeyBudget:
    """The key's cap as authentication reported it. Pure."""
    return KeyBudget(
        principal.key_id,
        principal.budget_nano,
        principal.budget_period,
        period_start_day(principal.budget_period, now),
    )


def refusal(outcome: HoldOutcome, key: KeyBudget, now: datetime) -> ledger_pb2.HoldResponse:
    """A refused hold in the shape the ledger answers one (what key_limits words). Pure."""
    resp = ledger_pb2.HoldResponse(
        ok=False, available_nano=outcome.available_nano, reason=outcome.status
    )
    if outcome.status == "key_budget":
        reset = period_reset(key.period, now)
        resp.key_budget_nano = key.budget_nano or 0
        resp.key_spent_nano = outcome.key_spent_nano
        resp.key_held_nano = outcome.key_held_nano
        resp.key_period = key.period
        resp.key_resets_at_unix_ms = int(reset.timestamp() * 1000) if reset else 0
    return resp


def unavailable(exc: BaseException) -> ServiceUnavailable:
    """The 503 of a hold Valkey could not place (logged here: the cause stays internal)."""
    log.warning("reservation book unavailable", extra={"error": repr(exc)})
    return ServiceUnavailable(
        "Tokaroo cannot check balances right now. Please retry.", retry_after=1
    )


class Holds:
    def __init__(
        self, book: ReservationBook | None, ledger: ledger_pb2_grpc.LedgerServiceStub
    ) -> None:
        self._book = book
        self._ledger = ledger

    @property
    def in_valkey(self) -> bool:
        """Whether holds are placed in Valkey (else every hold goes through the ledger)."""
        return self._book is not None

    async def hold_reading(
        self, principal: Principal, record: RequestRecord, amount: int, ttl_ms: int, read: str
    ) -> tuple[bool, bytes | None]:
        """Try to reserve `amount` and read the Valkey key `read`, in one round trip: (held,
        the value read). Not held (a refusal, a cold mirror, a fence), the caller holds
        again through `hold`, which words each refusal and takes a cold mirror to the
        ledger. 503 while Valkey is unreachable, as `hold`."""
        draft = record.draft
        if self._book is None:
            raise RuntimeError("hold_reading needs the reservation book (in_valkey)")
        now = datetime.now(UTC)
        try:
            result, value = await self._book.hold_and_get(
                draft.tenant_id,
                draft.request_id,
                amount,
                now_ms=int(time.time() * 1000),
                ttl_ms=ttl_ms,
                key=key_budget(principal, now),
                get=read,
            )
        except (RedisError, OSError) as exc:
            raise unavailable(exc) from exc
        if result.ok:
            record.held(amount)
        return result.ok, value

    async def hold(
        self, principal: Principal, record: RequestRecord, amount: int, ttl_ms: int
    ) -> None:
        """Reserve the estimate for the record's request, against the tenant's balance and the
        key's budget; 402 when the balance (minus other live holds) cannot cover it, 429
        key_budget_exceeded when the key's budget cannot, 503 while the book is unreachable
        or rebuilt. The hold ends when the record's event is settled, or expires."""
        draft = record.draft
        if self._book is not None:
            now = datetime.now(UTC)
            key = key_budget(principal, now)
            try:
                outcome = await self._book.hold(
                    draft.tenant_id,
                    draft.request_id,
                    amount,
                    now_ms=int(time.time() * 1000),
                    ttl_ms=ttl_ms,
                    key=key,
                )
            except (RedisError, OSError) as exc:
                raise unavailable(exc) from exc
            if outcome.ok:
                record.held(amount)
                return
            if outcome.status == "fenced":
                raise fenced_error(outcome.retry_after_ms)
            if outcome.status != "cold":
                raise hold_refusal(refusal(outcome, key, now), amount)
        resp = await call(
            self._ledger.Hold(
                ledger_pb2.HoldRequest(
                    tenant_id=draft.tenant_id,
                    request_id=draft.request_id,
                    amount_nano=amount,
                    ttl_ms=ttl_ms,
                    key_id=draft.key_id,
                ),
                timeout=RPC_TIMEOUT_S,
            )
        )
        if not resp.ok:
            raise hold_refusal(resp, amount)
        record.held(amount)
