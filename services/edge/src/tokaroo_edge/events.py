"""Completion events: built here, published through the outbox without blocking."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Protocol

from tokaroo_common.jetstream import COMPLETION_SUBJECT
from tokaroo_common.outbox import OutboxFull, OutboxItem
from tokaroo_common.telemetry import trace_headers
from tokaroo_proto.events.v1 import events_pb2

log = logging.getLogger(__name__)


@dataclass
class EventDraft:
    request_id: str
    tenant_id: str
    key_id: str
    model_requested: str
    endpoint: str
    streamed: bool
    started: float
    tier: str = ""
    resolved_model: str = ""
    provider: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    upstream_cost_nano: int = 0
    baseline_cost_nano: int = 0
    charged_nano: int = 0
    cache_outcome: str = "miss"
    ttft_ms: int = 0
    status: str = "ok"
    error_code: str = ""
    attempts: int = 0
    # Internal timing (not in the event): seconds spent waiting on upstreams before the
    # answer (a stream: until its first token), and when the answer (or a stream's first
    # byte) was ready; the difference from `started` is what the gateway added.
    upstream_s: float = 0.0
    answered_at: float = 0.0

    def answered(self) -> None:
        self.answered_at = time.monotonic()

    @property
    def overhead_s(self) -> float | None:
        """Seconds the gateway added before the answer was ready; None if it never was."""
        if not self.answered_at:
            return None
        return max(self.answered_at - self.started - self.upstream_s, 0.0)

    def to_proto(self) -> events_pb2.CompletionEvent:
        return events_pb2.CompletionEvent(
            request_id=self.request_id,
            tenant_id=self.tenant_id,
            key_id=self.key_id,
            model_requested=self.model_requested,
            tier=self.tier,
            resolved_model=self.resolved_model,
            provider=self.provider,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            cached_tokens=self.cached_tokens,
            upstream_cost_nano=self.upstream_cost_nano,
            baseline_cost_nano=self.baseline_cost_nano,
            charged_nano=self.charged_nano,
            cache_outcome=self.cache_outcome,
            latency_ms=int((time.monotonic() - self.started) * 1000),
            ttft_ms=self.ttft_ms,
            status=self.status,
            error_code=self.error_code,
            attempts=self.attempts,
            created_at_unix_ms=int(time.time() * 1000),
            endpoint=self.endpoint,
            streamed=self.streamed,
        )


class EventObserver(Protocol):
    """Sees every event as it is emitted: its draft (internal timing) and the event."""

    def observe(self, draft: EventDraft, event: events_pb2.CompletionEvent) -> None: ...


@dataclass(frozen=True)
class Observers:
    """Several observers as one (e.g. the metrics and the in-process routing's health)."""

    each: tuple[EventObserver, ...]

    def observe(self, draft: EventDraft, event: events_pb2.CompletionEvent) -> None:
        for observer in self.each:
            observer.observe(draft, event)


class EventSink(Protocol):
    """Where events are queued: the Outbox (OutboxFull when it is at its bound)."""

    def put(self, item: OutboxItem) -> None: ...


def emit(outbox: EventSink, draft: EventDraft, observer: EventObserver | None = None) -> None:
    """Queue the event, with the current trace context in its headers (so its consumers join
    the request's trace), and count it in the metrics."""
    event = draft.to_proto()
    data = event.SerializeToString()
    if observer is not None:
        observer.observe(draft, event)
    try:
        outbox.put(OutboxItem(COMPLETION_SUBJECT, data, draft.request_id, trace_headers()))
    except OutboxFull:
        log.error(
            "event dropped: outbox full",
            extra={"request_id": draft.request_id, "tenant_id": draft.tenant_id},
        )
