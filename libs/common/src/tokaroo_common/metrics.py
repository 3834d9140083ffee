"""Prometheus metrics: one registry per service (no process-wide default registry), served on
`TOKAROO_METRICS_PORT` by the gRPC services and consumers, and by the edge at `/metrics` on its
own HTTP port (outside `/v1`: route only `/v1` from the internet).

Hot-path cost is a few counter increments: label sets are small and fixed (route templates,
gRPC method names, status codes) and their children are cached, so a request allocates
nothing beyond a closure.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import grpc
from nats.js import JetStreamContext
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.gc_collector import GCCollector
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from tokaroo_common.jetstream import STREAM, BatchHandler

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (
    0.0005,
    0.001,
    0.002,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
)

# The time a service adds to a request: the edge's gateway overhead and every gRPC service's
# handler time. Sub-millisecond resolution where the budget is (2 ms added across the request
# path, a routing decision ~0.2 ms), up to a slow semantic lookup or a settlement batch.
SERVICE_TIME_BUCKETS = (
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0015,
    0.002,
    0.003,
    0.005,
    0.0075,
    0.01,
    0.015,
    0.02,
    0.03,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
)

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


def new_registry(loop: asyncio.AbstractEventLoop | None = None) -> CollectorRegistry:
    """A service's registry, with the process, GC and platform collectors and the count of
    tasks on its event loop (`loop`, or the loop running where /metrics is served)."""
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    GCCollector(registry=registry)
    PlatformCollector(registry=registry)
    registry.register(LoopTasks(loop))
    return registry


class LoopTasks(Collector):
    """`tokaroo_asyncio_tasks`: tasks alive on the service's event loop; a leak of requests,
    streams or background work shows as growth. Read at scrape time."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None) -> None:
        self._loop = loop

    def collect(self) -> Iterable[Metric]:
        try:
            tasks = asyncio.all_tasks(self._loop) if self._loop else asyncio.all_tasks()
        except RuntimeError:  # no loop here (a scrape before the service started)
            return
        yield GaugeMetricFamily(
            "tokaroo_asyncio_tasks", "Tasks alive on the event loop", value=len(tasks)
        )


def serve_metrics(registry: CollectorRegistry, host: str, port: int) -> Callable[[], None]:
    """Serve /metrics on `port` from a daemon thread (0 = off). Returns the stop function."""
    if port == 0:
        return lambda: None
    server, thread = start_http_server(port, host, registry)
    log.info("metrics serving", extra={"port": port})

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop


def exposition(registry: CollectorRegistry) -> tuple[bytes, str]:
    """The registry in the Prometheus text format, and its content type."""
    return generate_latest(registry), CONTENT_TYPE_LATEST


def scrape_registry(
    live: CollectorRegistry, values: CollectorRegistry, multiprocess_dir: Path | None
) -> CollectorRegistry:
    """What one /metrics answers for a process that may be one of several workers on one port
    (the edge): `live` (collectors read at scrape time: process, GC, tasks, queues) is this
    process's own; `values` (counters and histograms) is this process's, or, with
    `multiprocess_dir` (prometheus_client's multiprocess mode, `PROMETHEUS_MULTIPROC_DIR`),
    the sum over every worker's files there, so any worker answers for all of them."""
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(live)
    if multiprocess_dir is None:
        scrape.register(values)
    else:
        MultiProcessCollector(scrape, path=str(multiprocess_dir))  # type: ignore[no-untyped-call]
    return scrape


# ---- HTTP (edge) ---------------------------------------------------------------------------


class HttpMetrics:
    """Requests by method, route template and status; latency by route (whole response,
    streams included)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._requests = Counter(
            "tokaroo_http_requests",
            "HTTP requests answered",
            ["method", "route", "status"],
            registry=registry,
        )
        self._latency = Histogram(
            "tokaroo_http_request_duration_seconds",
            "HTTP request duration until the last body byte",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        child = self._children.get(key)
        if child is None:
            child = (self._requests.labels(method, route, str(status)), self._latency.labels(route))
            self._children[key] = child
        child[0].inc()
        child[1].observe(seconds)


class HttpMetricsMiddleware:
    """Pure ASGI middleware (no per-request task or body buffering, streams pass through)."""

    def __init__(self, app: Asgi, metrics: HttpMetrics) -> None:
        self.app = app
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            # The route template, never the raw path: unmatched paths share one label.
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self._metrics.observe(scope["method"], route, status, time.perf_counter() - start)


# ---- gRPC servers --------------------------------------------------------------------------


class GrpcMetrics(grpc.aio.ServerInterceptor):
    """Unary calls by method and status code, and the handler time by method: the time each
    gRPC service (router, cache, ledger, analytics) adds to a request, in the same buckets as
    the edge's gateway overhead. Installed by `Observability.grpc_server()`, the one gRPC
    server bootstrap, whenever the service's /metrics is served."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._requests = Counter(
            "tokaroo_grpc_server_requests",
            "gRPC calls handled",
            ["method", "code"],
            registry=registry,
        )
        self._latency = Histogram(
            "tokaroo_grpc_server_duration_seconds",
            "gRPC handler time (the time this service added to the call)",
            ["method"],
            buckets=SERVICE_TIME_BUCKETS,
            registry=registry,
        )
        self._wrapped: dict[str, tuple[Any, Any]] = {}

    async def intercept_service(
        self, continuation: Callable[[Any], Awaitable[Any]], details: grpc.HandlerCallDetails
    ) -> Any:
        handler = await continuation(details)
        if handler is None or handler.unary_unary is None:
            return handler  # streams (reflection) are not counted
        method = details.method
        cached = self._wrapped.get(method)
        if cached is None or cached[0] is not handler:
            cached = (handler, self._wrap(method, handler))
            self._wrapped[method] = cached
        return cached[1]

    def _wrap(self, method: str, handler: Any) -> Any:
        inner = handler.unary_unary
        latency = self._latency.labels(method)
        ok = self._requests.labels(method, "OK")
        requests = self._requests

        async def call(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            start = time.perf_counter()
            try:
                response = await inner(request, context)
            except BaseException:
                requests.labels(method, _code_name(context.code(), "UNKNOWN")).inc()
                raise
            finally:
                latency.observe(time.perf_counter() - start)
            code = _code_name(context.code(), "OK")
            if code == "OK":
                ok.inc()
            else:
                requests.labels(method, code).inc()
            return response

        return grpc.unary_unary_rpc_method_handler(
            call,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


_CODE_NAMES = {code.value[0]: code.name for code in grpc.StatusCode}


def _code_name(code: Any, default: str) -> str:
    """`context.code()` is a StatusCode, a plain int, or None when no code was set."""
    if isinstance(code, grpc.StatusCode):
        return str(code.name)
    if isinstance(code, int):
        return str(_CODE_NAMES.get(code, "UNKNOWN"))
    return default


# ---- event consumers -----------------------------------------------------------------------


class ConsumedEvents:
    """Events handled by a `run_pull_consumer` handler, by outcome (ok, poison, failed)."""

    def __init__(self, registry: CollectorRegistry, consumer: str) -> None:
        events = Counter(
            "tokaroo_events_consumed",
            "Events handled by a consumer",
            ["consumer", "outcome"],
            registry=registry,
        )
        self._ok = events.labels(consumer, "ok")
        self._poison = events.labels(consumer, "poison")
        self._failed = events.labels(consumer, "failed")

    def counted(self, handler: BatchHandler) -> BatchHandler:
        async def handle(msgs: Sequence[Any]) -> Sequence[Any]:
            try:
                poison = await handler(msgs)
            except Exception:
                self._failed.inc(len(msgs))
                raise
            self._poison.inc(len(poison))
            self._ok.inc(len(msgs) - len(poison))
            return poison

        return handle


class ConsumerLag:
    """A durable consumer's lag: `num_pending` (in the stream, not yet delivered to it) and
    `num_ack_pending` (delivered, not yet acked), polled from JetStream."""

    def __init__(self, registry: CollectorRegistry, consumer: str) -> None:
        self._pending = Gauge(
            "tokaroo_consumer_pending",
            "Messages not yet delivered",
            ["consumer"],
            registry=registry,
        ).labels(consumer)
        self._ack_pending = Gauge(
            "tokaroo_consumer_ack_pending",
            "Messages delivered, not yet acked",
            ["consumer"],
            registry=registry,
        ).labels(consumer)
        self.consumer = consumer

    async def poll(
        self, js: JetStreamContext, stop: asyncio.Event, interval_s: float = 5.0
    ) -> None:
        """Refresh the gauges until `stop` is set."""
        while not stop.is_set():
            try:
                info = await js.consumer_info(STREAM, self.consumer)
                self._pending.set(info.num_pending or 0)
                self._ack_pending.set(info.num_ack_pending or 0)
            except Exception as exc:  # NATS down or consumer not created yet: try later
                log.debug("consumer lag poll failed", extra={"error": repr(exc)})
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval_s)
            except TimeoutError:
                pass


class StatsCollector(Collector):
    """Counters read at scrape time from a stats mapping (e.g. `vars(sink.stats)`): zero cost
    on the hot path."""

    def __init__(self, prefix: str, doc: str, read: Callable[[], Mapping[str, int]]) -> None:
        self._prefix = prefix
        self._doc = doc
        self._read = read

    def collect(self) -> Iterable[Metric]:
        for name, value in self._read().items():
            yield CounterMetricFamily(f"{self._prefix}_{name}", f"{self._doc}: {name}", value=value)
