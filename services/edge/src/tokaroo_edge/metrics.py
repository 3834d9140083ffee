"""The edge's completion metrics, observed once per completion event, and the circuit-breaker
gauge read at scrape time. No model or provider labels: /metrics is served on the edge's own
port, and the response side of Tokaroo never names them."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from tokaroo_common.metrics import SERVICE_TIME_BUCKETS
from tokaroo_common.outbox import Outbox
from tokaroo_proto.events.v1 import events_pb2

from tokaroo_edge.breaker import Breakers
from tokaroo_edge.events import EventDraft

_CACHE_OUTCOMES = ("miss", "exact", "semantic")
_STATUSES = ("ok", "error", "partial")


class CompletionMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        tokens = Counter("tokaroo_tokens", "Tokens billed", ["direction"], registry=registry)
        self._tokens_in, self._tokens_out = tokens.labels("in"), tokens.labels("out")
        self._charged = Counter(
            "tokaroo_charged_nano_usd", "Amount charged to tenants, nano-USD", registry=registry
        )
        cache = Counter(
            "tokaroo_cache_lookups", "Completions by cache outcome", ["outcome"], registry=registry
        )
        self._cache = {o: cache.labels(o) for o in _CACHE_OUTCOMES}
        self._cache_other = cache.labels("other")
        events = Counter(
            "tokaroo_completions",
            "Completion events by endpoint and status",
            ["endpoint", "status"],
            registry=registry,
        )
        self._events = events
        self._event_children: dict[tuple[str, str], Counter] = {}
        self._fallbacks = Counter(
            "tokaroo_fallbacks",
            "Requests answered or failed after more than one attempt",
            registry=registry,
        )
        self._overhead = Histogram(
            "tokaroo_gateway_overhead_seconds",
            "Time the gateway added before an answer (a stream: its first byte) was ready, "
            "upstream time excluded",
            ["endpoint", "cache"],
            buckets=SERVICE_TIME_BUCKETS,
            registry=registry,
        )

    def observe(self, draft: EventDraft, event: events_pb2.CompletionEvent) -> None:
        self._tokens_in.inc(draft.input_tokens)
        self._tokens_out.inc(draft.output_tokens)
        if draft.charged_nano:
            self._charged.inc(draft.charged_nano)
        self._cache.get(draft.cache_outcome, self._cache_other).inc()
        if draft.attempts > 1:
            self._fallbacks.inc()
        overhead = draft.overhead_s
        if overhead is not None:
            cache = "miss" if draft.cache_outcome == "miss" else "hit"
            self._overhead.labels(draft.endpoint[:64], cache).observe(overhead)
        status = draft.status if draft.status in _STATUSES else "other"
        key = (draft.endpoint, status)
        child = self._event_children.get(key)
        if child is None:
            child = self._events.labels(draft.endpoint[:64], status)
            self._event_children[key] = child
        child.inc()


class BreakerCollector(Collector):
    """`tokaroo_circuit_breakers_open`: circuits this replica holds open right now."""

    def __init__(self, breakers: Breakers) -> None:
        self._breakers = breakers

    def collect(self) -> Iterable[Metric]:
        yield GaugeMetricFamily(
            "tokaroo_circuit_breakers_open",
            "Open circuit breakers (provider, model) on this edge replica",
            value=len(self._breakers.open_circuits()),
        )


class OutboxCollector(Collector):
    """`tokaroo_outbox_pending` / `_capacity`: events queued for NATS on this replica."""

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    def collect(self) -> Iterable[Metric]:
        yield GaugeMetricFamily(
            "tokaroo_outbox_pending", "Events waiting to be published", value=self._outbox.pending
        )
        yield GaugeMetricFamily(
            "tokaroo_outbox_capacity", "Outbox bound", value=self._outbox.capacity
        )
