"""Observability of the running stack: one trace from the edge through the router and the
cache (gRPC) to the ledger's settlement and the analytics sink (NATS), and Prometheus metrics
on every service.

The stack runs with `TOKAROO_OTEL_FILE`: every process appends its finished spans to one JSON
lines file, which stands in for an OTLP collector."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests.harness import Stack, running_stack


@pytest.fixture(scope="module")
def traced() -> Iterator[tuple[Stack, Path]]:
    home = Path(tempfile.mkdtemp(prefix="tk-obs-"))
    spans = home / "spans.jsonl"
    try:
        with running_stack(home, TOKAROO_OTEL_FILE=str(spans)) as stack:
            yield stack, spans
    finally:
        shutil.rmtree(home, ignore_errors=True)


def read_spans(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line]


def wait_for_trace(path: Path, request_id: str, timeout: float = 30.0) -> list[dict[str, Any]]:
    """The spans of the trace holding the edge span tagged with `request_id`, once both
    consumers' spans (ledger settlement, analytics sink) are in it."""
    deadline = time.monotonic() + timeout
    trace: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        spans = read_spans(path)
        tagged = [s for s in spans if s["attributes"].get("tokaroo.request_id") == request_id]
        if tagged:
            trace = [s for s in spans if s["trace_id"] == tagged[0]["trace_id"]]
            consumers = {s["service"] for s in trace if s["name"].endswith(" process")}
            if consumers >= {"tokaroo-ledger", "tokaroo-analytics"}:
                return trace
        time.sleep(0.2)
    raise AssertionError(
        f"incomplete trace for {request_id}: {[(s['service'], s['name']) for s in trace]}"
    )


def chat(stack: Stack, content: str, **extra: Any) -> httpx.Response:
    resp = httpx.post(
        f"{stack.base_url}/chat/completions",
        timeout=30,
        headers={"Authorization": f"Bearer {stack.api_key}"},
        json={"model": "auto", "messages": [{"role": "user", "content": content}], **extra},
    )
    assert resp.status_code == 200, resp.text
    return resp


def test_one_trace_from_the_edge_to_the_ledger(traced: tuple[Stack, Path]) -> None:
    stack, path = traced
    resp = chat(stack, "Trace this request end to end, please.")
    trace = wait_for_trace(path, resp.headers["x-request-id"])

    by_id = {s["span_id"]: s for s in trace}
    services = {s["service"] for s in trace}
    assert {
        "tokaroo-edge",
        "tokaroo-router",
        "tokaroo-cache",
        "tokaroo-ledger",
        "tokaroo-analytics",
    } <= services

    roots = [s for s in trace if s["parent_span_id"] is None]
    assert len(roots) == 1 and roots[0]["service"] == "tokaroo-edge"
    assert roots[0]["kind"] == "SERVER"

    def parent(span: dict[str, Any]) -> dict[str, Any]:
        return by_id[span["parent_span_id"]]

    # gRPC: the router's server span is the child of the edge's client span.
    route = next(s for s in trace if s["service"] == "tokaroo-router" and s["kind"] == "SERVER")
    assert route["name"].endswith("RouterService/Route")
    assert parent(route)["service"] == "tokaroo-edge" and parent(route)["kind"] == "CLIENT"
    # httpx: the upstream call to the (simulated) provider is traced by the edge.
    upstream = f"{stack.layout.simulator_url}/"
    assert any(
        s["service"] == "tokaroo-edge"
        and s["kind"] == "CLIENT"
        and str(s["attributes"].get("url.full") or s["attributes"].get("http.url")).startswith(
            upstream
        )
        for s in trace
    )
    # NATS: the ledger's settlement of this event is a child of the edge's request span,
    # and linked to the batch span it was settled in.
    settle = next(
        s
        for s in trace
        if s["service"] == "tokaroo-ledger" and s["name"] == "ledger-settlement process"
    )
    assert settle["kind"] == "CONSUMER"
    assert parent(settle)["service"] == "tokaroo-edge"
    batch_ids = {s["span_id"] for s in read_spans(path) if s["name"] == "ledger-settlement batch"}
    assert {link["span_id"] for link in settle["links"]} <= batch_ids
    assert settle["links"]
    sink = next(
        s
        for s in trace
        if s["service"] == "tokaroo-analytics" and s["name"] == "analytics-sink process"
    )
    assert parent(sink) is parent(settle)


def test_a_stream_is_traced_to_the_ledger_too(traced: tuple[Stack, Path]) -> None:
    stack, path = traced
    resp = chat(stack, "Stream and trace this one.", stream=True)
    assert resp.text.rstrip().endswith("data: [DONE]")
    trace = wait_for_trace(path, resp.headers["x-request-id"])
    assert {"tokaroo-edge", "tokaroo-router", "tokaroo-ledger"} <= {s["service"] for s in trace}


def scrape(url: str) -> str:
    resp = httpx.get(url, timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/plain")
    return resp.text


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in the Prometheus text format (0 when absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        key, _, value = line.rpartition(" ")
        metric, _, rest = key.partition("{")
        if metric == name and (not labels or all(part in rest for part in want.split(","))):
            return float(value)
    return 0.0


def test_metrics_on_every_service(traced: tuple[Stack, Path]) -> None:
    stack, _ = traced
    chat(stack, "Count this request in the metrics.")
    layout = stack.layout
    edge = scrape(f"http://127.0.0.1:{layout.edge_port}/metrics")
    assert (
        sample(
            edge,
            "tokaroo_http_requests_total",
            method="POST",
            route="/v1/chat/completions",
            status="200",
        )
        >= 1
    )
    assert (
        sample(edge, "tokaroo_http_request_duration_seconds_count", route="/v1/chat/completions")
        >= 1
    )
    assert sample(edge, "tokaroo_tokens_total", direction="in") > 0
    assert sample(edge, "tokaroo_tokens_total", direction="out") > 0
    assert sample(edge, "tokaroo_charged_nano_usd_total") > 0
    assert sample(edge, "tokaroo_cache_lookups_total", outcome="miss") >= 1
    assert "tokaroo_fallbacks_total" in edge
    assert "tokaroo_circuit_breakers_open 0.0" in edge
    # No label names a model or a provider on the public port.
    assert "provider=" not in edge and "model=" not in edge

    router = scrape(f"http://127.0.0.1:{layout.metrics_ports['router']}/metrics")
    assert (
        sample(
            router,
            "tokaroo_grpc_server_requests_total",
            method="/tokaroo.router.v1.RouterService/Route",
            code="OK",
        )
        >= 1
    )
    cache = scrape(f"http://127.0.0.1:{layout.metrics_ports['cache']}/metrics")
    assert (
        sample(
            cache,
            "tokaroo_grpc_server_duration_seconds_count",
            method="/tokaroo.cache.v1.CacheService/Lookup",
        )
        >= 1
    )

    deadline = time.monotonic() + 20
    while True:
        ledger = scrape(f"http://127.0.0.1:{layout.metrics_ports['ledger']}/metrics")
        settled = sample(
            ledger, "tokaroo_events_consumed_total", consumer="ledger-settlement", outcome="ok"
        )
        if settled >= 1 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert settled >= 1
    assert (
        sample(
            ledger,
            "tokaroo_grpc_server_requests_total",
            method="/tokaroo.ledger.v1.LedgerService/Authenticate",
            code="OK",
        )
        >= 1
    )
    assert 'tokaroo_consumer_pending{consumer="ledger-settlement"}' in ledger

    analytics = scrape(f"http://127.0.0.1:{layout.metrics_ports['analytics']}/metrics")
    assert "tokaroo_analytics_sink_inserted_total" in analytics
    assert 'tokaroo_consumer_pending{consumer="analytics-sink"}' in analytics
    assert (
        "tokaroo_grpc_server_requests_total" in analytics
        or "tokaroo_grpc_server_duration_seconds" in analytics
    )
