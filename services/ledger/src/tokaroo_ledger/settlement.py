"""Settlement of CompletionEvents: decode, validate, apply each batch exactly once.

A batch is applied in one transaction. If that fails on the data (a PostgreSQL data or
integrity error), each event is retried in its own transaction, so one bad event cannot
block the others; the events that still fail are poison. Undecodable or invalid messages and
events of unknown tenants are poison as well: the consumer loop terminates them and copies
them to the dead-letter subject. Any other failure (database down, ...) raises, and the
consumer loop redelivers the whole batch later; request-id idempotency makes that safe."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

import asyncpg  # type: ignore[import-untyped]
from google.protobuf.message import DecodeError
from nats.aio.msg import Msg
from tokaroo_common.reservations import Settled
from tokaroo_proto.events.v1 import events_pb2

from tokaroo_ledger.models import SettleOutcome, UsageEvent, parse_id

log = logging.getLogger(__name__)

DURABLE = "ledger-settlement"
MAX_TEXT = 256
MAX_REQUEST_ID = 128
_INT64_MAX = 2**63 - 1


class InvalidEvent(ValueError):
    pass


class Settles(Protocol):
    async def settle(self, events: Sequence[UsageEvent]) -> SettleOutcome: ...


def _text(value: str, field: str, limit: int = MAX_TEXT) -> str:
    if len(value) > limit or "\x00" in value:
        raise InvalidEvent(f"{field} is too long or contains NUL")
    return value


def _amount(value: int, field: str) -> int:
    if not 0 <= value <= _INT64_MAX:
        raise InvalidEvent(f"{field} must not be negative")
    return value


def to_usage_event(event: events_pb2.CompletionEvent, now: datetime) -> UsageEvent:
    """Validate a decoded event; raises InvalidEvent. created_at 0 means `now`."""
    if not event.request_id:
        raise InvalidEvent("request_id is empty")
    tenant_id = parse_id(event.tenant_id)
    if tenant_id is None:
        raise InvalidEvent("tenant_id is not a UUID")
    if event.created_at_unix_ms < 0:
        raise InvalidEvent("created_at_unix_ms is negative")
    try:
        created_at = (
            datetime.fromtimestamp(event.created_at_unix_ms / 1000, UTC)
            if event.created_at_unix_ms
            else now
        )
    except (OverflowError, OSError, ValueError) as exc:
        raise InvalidEvent("created_at_unix_ms is out of range") from exc
    return UsageEvent(
        request_id=_text(event.request_id, "request_id", MAX_REQUEST_ID),
        tenant_id=tenant_id,
        key_id=parse_id(event.key_id),
        endpoint=_text(event.endpoint, "endpoint"),
        tier=_text(event.tier, "tier"),
        model_requested=_text(event.model_requested, "model_requested"),
        resolved_model=_text(event.resolved_model, "resolved_model"),
        provider=_text(event.provider, "provider"),
        streamed=event.streamed,
        input_tokens=_amount(event.input_tokens, "input_tokens"),
        output_tokens=_amount(event.output_tokens, "output_tokens"),
        cached_tokens=_amount(event.cached_tokens, "cached_tokens"),
        upstream_cost_nano=_amount(event.upstream_cost_nano, "upstream_cost_nano"),
        baseline_cost_nano=_amount(event.baseline_cost_nano, "baseline_cost_nano"),
        charged_nano=_amount(event.charged_nano, "charged_nano"),
        cache_outcome=_text(event.cache_outcome, "cache_outcome"),
        latency_ms=_amount(event.latency_ms, "latency_ms"),
        ttft_ms=_amount(event.ttft_ms, "ttft_ms"),
        status=_text(event.status, "status"),
        error_code=_text(event.error_code, "error_code"),
        attempts=_amount(event.attempts, "attempts"),
        created_at=created_at,
    )


def decode(data: bytes, now: datetime) -> UsageEvent:
    try:
        event = events_pb2.CompletionEvent.FromString(data)
    except DecodeError as exc:
        raise InvalidEvent("not a CompletionEvent") from exc
    return to_usage_event(event, now)


def _is_data_error(exc: BaseException) -> bool:
    """An error caused by the data, not by availability: PostgreSQL SQLSTATE class 22 (data
    exception) or 23 (integrity violation), or a value asyncpg could not encode (its client-side
    DataError is both an InterfaceError and a ValueError)."""
    if isinstance(exc, asyncpg.InterfaceError) and isinstance(exc, ValueError):
        return True
    state = getattr(exc, "sqlstate", None) or ""
    return isinstance(exc, asyncpg.PostgresError) and state[:2] in ("22", "23")


class Mirrors(Protocol):
    async def apply(self, batch: Sequence[Settled]) -> None: ...


class Settler:
    """The batch handler of the `ledger-settlement` consumer. After each commit it mirrors
    the new balances into the reservation book and releases the settled requests' holds; if
    that fails the batch is redelivered (settling it again changes nothing in PostgreSQL,
    and mirrors it again)."""

    def __init__(self, store: Settles, book: Mirrors) -> None:
        self._store = store
        self._book = book

    async def handle(self, msgs: Sequence[Msg]) -> list[Msg]:
        """Settle a batch; return the poison messages. Raises to have the batch redelivered."""
        now = datetime.now(UTC)
        poison: list[Msg] = []
        by_request: dict[str, list[Msg]] = {}
        events: dict[str, UsageEvent] = {}
        for msg in msgs:
            try:
                event = decode(msg.data, now)
            except InvalidEvent as exc:
                log.warning("poison completion event", extra={"error": str(exc)})
                poison.append(msg)
                continue
            by_request.setdefault(event.request_id, []).append(msg)
            events.setdefault(event.request_id, event)  # duplicates in one batch: first wins
        if not events:
            return poison
        try:
            outcomes = [(list(events.values()), await self._store.settle(list(events.values())))]
        except Exception as exc:
            if not _is_data_error(exc):
                raise
            log.warning(
                "batch rejected by the database, settling one by one",
                extra={"error": repr(exc), "n": len(events)},
            )
            outcomes = []
            for event in events.values():
                try:
                    outcomes.append(([event], await self._store.settle([event])))
                except Exception as one_exc:
                    if not _is_data_error(one_exc):
                        raise
                    log.warning(
                        "poison completion event",
                        extra={
                            "error": repr(one_exc),
                            "request_id": event.request_id,
                            "tenant_id": str(event.tenant_id),
                        },
                    )
                    poison.extend(by_request[event.request_id])
        await self._book.apply([m for _, outcome in outcomes for m in outcome.mirrored])
        for applied, outcome in outcomes:
            poison.extend(self._unknown_tenant_msgs(applied, outcome.unknown_tenants, by_request))
            if outcome.inserted:
                log.debug(
                    "settled",
                    extra={
                        "inserted": outcome.inserted,
                        "charged": outcome.charged,
                        "charged_nano": outcome.charged_nano,
                    },
                )
        return poison

    @staticmethod
    def _unknown_tenant_msgs(
        events: Sequence[UsageEvent],
        unknown: frozenset[uuid.UUID],
        by_request: dict[str, list[Msg]],
    ) -> list[Msg]:
        out: list[Msg] = []
        for event in events:
            if event.tenant_id in unknown:
                log.warning(
                    "completion event for an unknown tenant",
                    extra={"request_id": event.request_id, "tenant_id": str(event.tenant_id)},
                )
                out.extend(by_request[event.request_id])
        return out
