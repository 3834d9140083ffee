"""OpenTelemetry tracing for every service: HTTP (FastAPI, httpx), gRPC and NATS.

Off by default: without `TOKAROO_OTEL_EXPORTER_OTLP_ENDPOINT` (or the standard
`OTEL_EXPORTER_OTLP_ENDPOINT`) and without `TOKAROO_OTEL_FILE`, `setup_tracing` returns None and
nothing is instrumented, so the hot path pays nothing. When on, each `__main__` installs the
returned provider with `trace.set_tracer_provider` and passes it to the helpers below.

Trace context crosses NATS in the message headers (W3C `traceparent`): the edge adds it to the
CompletionEvent it publishes; a consumer opens one span per batch (linked to every message's
context) and, for each message, a short span that is a child of the publisher's context, so the
ledger's and the sink's work join the request's trace.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc
import orjson
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.trace import Link, SpanKind, Status, StatusCode, Tracer

from tokaroo_common.settings import BaseServiceSettings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from tokaroo_common.jetstream import BatchHandler

MAX_LINKS = 128
"""A batch span links to at most this many message contexts (span size stays bounded)."""

_UNTRACED_GRPC = ("grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection")
_UNTRACED_HTTP = "healthz,readyz,metrics"


def setup_tracing(service: str, settings: BaseServiceSettings) -> TracerProvider | None:
    """A tracer provider exporting as configured, or None when tracing is off."""
    endpoint, path = settings.otel_exporter_otlp_endpoint, settings.otel_file
    if not endpoint and path is None:
        return None
    provider = TracerProvider(resource=Resource.create({"service.name": f"tokaroo-{service}"}))
    if endpoint:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    if path is not None:
        # Synchronous on purpose: every ended span is on disk at once, for tests to read.
        provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(path)))
    return provider


def shutdown_tracing(provider: TracerProvider | None) -> None:
    """Flush and stop the exporters (at process exit)."""
    if provider is not None:
        provider.shutdown()


class JsonLinesSpanExporter(SpanExporter):
    """Appends finished spans as JSON lines. Each export is one `write` on an O_APPEND file,
    so several processes can share one file."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        data = b"".join(orjson.dumps(span_record(s), default=str) + b"\n" for s in spans)
        with self._lock:
            fd = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None


def span_record(span: ReadableSpan) -> dict[str, Any]:
    ctx = span.get_span_context()
    assert ctx is not None
    return {
        "service": span.resource.attributes.get("service.name"),
        "name": span.name,
        "kind": span.kind.name,
        "trace_id": format(ctx.trace_id, "032x"),
        "span_id": format(ctx.span_id, "016x"),
        "parent_span_id": format(span.parent.span_id, "016x") if span.parent else None,
        "start_ns": span.start_time,
        "end_ns": span.end_time,
        "status": span.status.status_code.name,
        "attributes": dict(span.attributes or {}),
        "links": [
            {
                "trace_id": format(link.context.trace_id, "032x"),
                "span_id": format(link.context.span_id, "016x"),
            }
            for link in span.links
        ],
    }


# ---- propagation in message headers --------------------------------------------------------


def inject_headers(headers: dict[str, str] | None = None) -> dict[str, str]:
    """Add the current trace context (W3C traceparent/tracestate) to `headers`."""
    carrier = {} if headers is None else headers
    propagate.inject(carrier)
    return carrier


def trace_headers() -> dict[str, str] | None:
    """The current trace context as message headers, or None when no span is recording
    (tracing off): the cheap call for the hot path."""
    if not trace.get_current_span().get_span_context().is_valid:
        return None
    return inject_headers()


def extract_context(headers: Mapping[str, str] | None) -> Context:
    return propagate.extract(dict(headers or {}))


@contextmanager
def consume_batch(
    tracer: Tracer | None, name: str, headers: Sequence[Mapping[str, str] | None]
) -> Iterator[None]:
    """Trace the handling of a batch of messages: one `<name> batch` span linked to the
    messages' contexts, and for each message carrying a context a `<name> process` span, child
    of that context, covering the batch's handling. No-op when `tracer` is None."""
    if tracer is None:
        yield
        return
    parents = [
        ctx
        for ctx in map(extract_context, headers)
        if trace.get_current_span(ctx).get_span_context().is_valid
    ]
    links = [Link(trace.get_current_span(ctx).get_span_context()) for ctx in parents[:MAX_LINKS]]
    with tracer.start_as_current_span(
        f"{name} batch",
        kind=SpanKind.CONSUMER,
        links=links,
        attributes={"messaging.system": "nats", "messaging.batch.message_count": len(headers)},
    ) as batch:
        start = time.time_ns()
        failed: BaseException | None = None
        try:
            yield
        except BaseException as exc:
            failed = exc
            raise
        finally:
            end = time.time_ns()
            batch_link = [Link(batch.get_span_context())]
            for ctx in parents:
                span = tracer.start_span(
                    f"{name} process",
                    context=ctx,
                    kind=SpanKind.CONSUMER,
                    links=batch_link,
                    start_time=start,
                    attributes={"messaging.system": "nats"},
                )
                if failed is not None:
                    span.set_status(Status(StatusCode.ERROR, type(failed).__name__))
                span.end(end_time=end)


def traced_handler(tracer: Tracer | None, name: str, handler: BatchHandler) -> BatchHandler:
    """Wrap a `run_pull_consumer` batch handler with `consume_batch`."""
    if tracer is None:
        return handler

    async def handle(msgs: Sequence[Any]) -> Sequence[Any]:
        with consume_batch(tracer, name, [m.headers for m in msgs]):
            return await handler(msgs)

    return handle


# ---- instrumentation of HTTP and gRPC -------------------------------------------------------


def grpc_server_interceptors(provider: TracerProvider | None) -> list[grpc.aio.ServerInterceptor]:
    if provider is None:
        return []
    from opentelemetry.instrumentation.grpc import aio_server_interceptor

    interceptor = aio_server_interceptor(  # type: ignore[no-untyped-call]
        tracer_provider=provider, filter_=_grpc_filter()
    )
    return [interceptor]


def grpc_client_interceptors(provider: TracerProvider | None) -> list[grpc.aio.ClientInterceptor]:
    if provider is None:
        return []
    from opentelemetry.instrumentation.grpc import aio_client_interceptors

    return list(
        aio_client_interceptors(  # type: ignore[no-untyped-call]
            tracer_provider=provider, filter_=_grpc_filter()
        )
    )


def _grpc_filter() -> Any:
    """Health checks and reflection are not traced (probes would flood the traces)."""
    from opentelemetry.instrumentation.grpc.filters import any_of, negate, service_name

    return negate(any_of(*(service_name(s) for s in _UNTRACED_GRPC)))


def instrument_fastapi(app: FastAPI, provider: TracerProvider | None) -> None:
    if provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        excluded_urls=_UNTRACED_HTTP,
        exclude_spans=["receive", "send"],
    )


def instrument_httpx(provider: TracerProvider | None) -> None:
    """Trace every httpx client of the process (the edge's upstream calls use aiohttp and make
    their own client spans: `tokaroo_edge.providers.transport`)."""
    if provider is None:
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor().instrument(tracer_provider=provider)
