"""CompletionEvent (protobuf) to a `completion_events` row, and in-batch deduplication."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from google.protobuf.message import DecodeError
from tokaroo_proto.events.v1 import events_pb2

TABLE = "completion_events"
COLUMNS: tuple[str, ...] = (
    "request_id",
    "tenant_id",
    "key_id",
    "model_requested",
    "tier",
    "resolved_model",
    "provider",
    "endpoint",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "upstream_cost_nano",
    "baseline_cost_nano",
    "charged_nano",
    "cache_outcome",
    "latency_ms",
    "ttft_ms",
    "status",
    "error_code",
    "attempts",
    "streamed",
    "created_at",
)
_U32 = 2**32 - 1
_U16 = 2**16 - 1


class BadEvent(ValueError):
    """The message is not a usable CompletionEvent (poison: never retried)."""


def decode(data: bytes) -> events_pb2.CompletionEvent:
    event = events_pb2.CompletionEvent()
    try:
        event.ParseFromString(data)
    except DecodeError as exc:
        raise BadEvent(f"undecodable CompletionEvent: {exc}") from exc
    if not event.request_id or not event.tenant_id:
        raise BadEvent("CompletionEvent without request_id or tenant_id")
    if event.created_at_unix_ms <= 0:
        raise BadEvent("CompletionEvent without created_at")
    return event


def _clamp(value: int, high: int) -> int:
    return min(max(value, 0), high)


def to_row(e: events_pb2.CompletionEvent) -> tuple[Any, ...]:
    # created_at is DateTime64(3): clickhouse-connect writes an int as the raw tick (ms).
    return (
        e.request_id,
        e.tenant_id,
        e.key_id,
        e.model_requested,
        e.tier,
        e.resolved_model,
        e.provider,
        e.endpoint or "chat.completions",
        e.input_tokens,
        e.output_tokens,
        e.cached_tokens,
        e.upstream_cost_nano,
        e.baseline_cost_nano,
        e.charged_nano,
        e.cache_outcome or "miss",
        _clamp(e.latency_ms, _U32),
        _clamp(e.ttft_ms, _U32),
        e.status or "ok",
        e.error_code,
        _clamp(e.attempts, _U16),
        e.streamed,
        e.created_at_unix_ms,
    )


def first_per_request(
    events: Iterable[events_pb2.CompletionEvent],
) -> list[events_pb2.CompletionEvent]:
    """Keep the first event of every request_id (duplicates carry the same facts)."""
    seen: set[str] = set()
    unique: list[events_pb2.CompletionEvent] = []
    for event in events:
        if event.request_id not in seen:
            seen.add(event.request_id)
            unique.append(event)
    return unique


def without(
    events: Sequence[events_pb2.CompletionEvent], present: set[str]
) -> list[events_pb2.CompletionEvent]:
    return [e for e in events if e.request_id not in present]
