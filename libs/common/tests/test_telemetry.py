"""Trace context crosses message headers; consumers' spans join the publisher's trace."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from tokaroo_common.settings import BaseServiceSettings
from tokaroo_common.telemetry import (
    consume_batch,
    extract_context,
    inject_headers,
    setup_tracing,
    trace_headers,
    traced_handler,
)


@pytest.fixture
def traced() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


@dataclass
class FakeMsg:
    headers: dict[str, str] | None


def test_injected_context_is_extracted_as_the_parent(traced: Any) -> None:
    provider, exporter = traced
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("publish") as publisher:
        headers = inject_headers({"Nats-Msg-Id": "r1"})
    assert headers["Nats-Msg-Id"] == "r1"
    assert headers["traceparent"].startswith("00-")
    with tracer.start_as_current_span("consume", context=extract_context(headers)) as consumer:
        pass
    sent, got = publisher.get_span_context(), consumer.get_span_context()
    assert got.trace_id == sent.trace_id
    finished = {s.name: s for s in exporter.get_finished_spans()}
    parent = finished["consume"].parent
    assert parent is not None and parent.span_id == sent.span_id and parent.is_remote


def test_trace_headers_is_none_without_an_active_span(traced: Any) -> None:
    provider, _ = traced
    assert trace_headers() is None
    assert extract_context(None) is not None  # an empty context, not an error
    with provider.get_tracer("test").start_as_current_span("request"):
        headers = trace_headers()
    assert headers is not None and "traceparent" in headers


def test_a_batch_joins_each_message_trace(traced: Any) -> None:
    provider, exporter = traced
    tracer = provider.get_tracer("test")
    origins = []
    headers: list[dict[str, str] | None] = [None]  # a message without context is fine
    for name in ("request-a", "request-b"):
        with tracer.start_as_current_span(name) as span:
            origins.append(span.get_span_context())
            headers.append(inject_headers())
    exporter.clear()

    with consume_batch(tracer, "ledger-settlement", headers):
        pass

    spans = exporter.get_finished_spans()
    batch = next(s for s in spans if s.name == "ledger-settlement batch")
    process = [s for s in spans if s.name == "ledger-settlement process"]
    assert batch.kind == SpanKind.CONSUMER
    assert {link.context.trace_id for link in batch.links} == {o.trace_id for o in origins}
    assert batch.attributes is not None
    assert batch.attributes["messaging.batch.message_count"] == 3
    assert sorted((s.context.trace_id, s.parent.span_id) for s in process if s.parent) == sorted(
        (o.trace_id, o.span_id) for o in origins
    )
    assert all(s.links[0].context.span_id == batch.context.span_id for s in process)


def test_a_failed_batch_marks_its_spans(traced: Any) -> None:
    provider, exporter = traced
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("request"):
        headers = [inject_headers()]
    exporter.clear()
    with pytest.raises(RuntimeError), consume_batch(tracer, "sink", headers):
        raise RuntimeError("database down")
    assert {s.name: s.status.status_code.name for s in exporter.get_finished_spans()} == {
        "sink batch": "ERROR",
        "sink process": "ERROR",
    }


def test_no_tracer_means_no_spans_and_the_same_handler() -> None:
    async def handler(msgs: Sequence[Any]) -> Sequence[Any]:
        return []

    assert traced_handler(None, "x", handler) is handler
    with consume_batch(None, "x", [{"traceparent": "garbage"}]):
        pass


async def test_traced_handler_wraps_a_consumer_batch(traced: Any) -> None:
    provider, exporter = traced
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("request") as request:
        msg = FakeMsg(inject_headers())
    exporter.clear()

    async def handler(msgs: Sequence[Any]) -> Sequence[Any]:
        await asyncio.sleep(0)
        return list(msgs)

    poison = await traced_handler(tracer, "ledger-settlement", handler)([msg])
    assert poison == [msg]
    child = next(s for s in exporter.get_finished_spans() if s.name.endswith("process"))
    assert child.context.trace_id == request.get_span_context().trace_id


def test_tracing_is_off_unless_configured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "TOKAROO_OTEL_EXPORTER_OTLP_ENDPOINT",
        "TOKAROO_OTEL_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    assert setup_tracing("test", BaseServiceSettings()) is None

    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317")
    assert BaseServiceSettings().otel_exporter_otlp_endpoint == "http://127.0.0.1:4317"

    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT")
    path = tmp_path / "spans.jsonl"
    monkeypatch.setenv("TOKAROO_OTEL_FILE", str(path))
    provider = setup_tracing("test", BaseServiceSettings())
    assert provider is not None
    try:
        with provider.get_tracer("t").start_as_current_span("outer"):
            with provider.get_tracer("t").start_as_current_span("inner"):
                pass
    finally:
        provider.shutdown()
    rows = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    assert [r["name"] for r in rows] == ["inner", "outer"]
    assert rows[0]["service"] == "tokaroo-test"
    assert rows[0]["trace_id"] == rows[1]["trace_id"]
    assert rows[0]["parent_span_id"] == rows[1]["span_id"]
