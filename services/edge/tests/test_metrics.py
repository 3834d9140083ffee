"""The edge's completion metrics: the gateway overhead excludes upstream time."""

from __future__ import annotations

from tokaroo_common.metrics import new_registry
from tokaroo_edge.events import EventDraft
from tokaroo_edge.metrics import CompletionMetrics


def draft(**kw: object) -> EventDraft:
    d = EventDraft(
        request_id="r",
        tenant_id="t",
        key_id="k",
        model_requested="auto",
        endpoint="chat.completions",
        streamed=False,
        started=100.0,
    )
    for k, v in kw.items():
        setattr(d, k, v)
    return d


def observe(metrics: CompletionMetrics, d: EventDraft) -> None:
    metrics.observe(d, d.to_proto())


def test_overhead_is_time_to_answer_minus_upstream_time() -> None:
    assert draft().overhead_s is None  # never answered: nothing to observe
    assert draft(answered_at=100.5, upstream_s=0.497).overhead_s is not None
    assert abs(draft(answered_at=100.5, upstream_s=0.497).overhead_s - 0.003) < 1e-9  # type: ignore[operator]
    assert draft(answered_at=100.1, upstream_s=0.2).overhead_s == 0.0  # clock noise


def test_overhead_histogram_by_endpoint_and_cache() -> None:
    registry = new_registry()
    metrics = CompletionMetrics(registry)
    observe(metrics, draft(answered_at=100.5, upstream_s=0.4985))
    observe(metrics, draft(answered_at=100.002, cache_outcome="exact"))
    observe(metrics, draft(status="error", error_code="insufficient_balance"))
    count = registry.get_sample_value
    assert (
        count(
            "tokaroo_gateway_overhead_seconds_count",
            {"endpoint": "chat.completions", "cache": "miss"},
        )
        == 1
    )
    assert (
        count(
            "tokaroo_gateway_overhead_seconds_bucket",
            {"endpoint": "chat.completions", "cache": "miss", "le": "0.002"},
        )
        == 1
    )
    assert (
        count(
            "tokaroo_gateway_overhead_seconds_count",
            {"endpoint": "chat.completions", "cache": "hit"},
        )
        == 1
    )
