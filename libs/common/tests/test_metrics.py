"""Prometheus helpers: HTTP middleware, gRPC interceptor, consumer counts, the /metrics server."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import grpc
import httpx
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from prometheus_client import CollectorRegistry
from tokaroo_common.metrics import (
    ConsumedEvents,
    GrpcMetrics,
    HttpMetrics,
    HttpMetricsMiddleware,
    StatsCollector,
    exposition,
    new_registry,
    scrape_registry,
    serve_metrics,
)

from .conftest import free_port


def _value(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    class Route:
        path = "/v1/items/{id}"

    if scope["path"].startswith("/v1/items/"):
        scope["route"] = Route()  # what the router sets once it matched
        status = 200
    else:
        status = 404
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


async def test_http_requests_are_counted_by_route_template() -> None:
    registry = CollectorRegistry()
    app = HttpMetricsMiddleware(_app, HttpMetrics(registry))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://edge"
    ) as client:
        for i in range(3):
            await client.get(f"/v1/items/{i}")
        await client.get("/nope/123")
    assert (
        _value(
            registry,
            "tokaroo_http_requests_total",
            method="GET",
            route="/v1/items/{id}",
            status="200",
        )
        == 3
    )
    assert (
        _value(
            registry, "tokaroo_http_requests_total", method="GET", route="unmatched", status="404"
        )
        == 1
    )
    assert (
        _value(registry, "tokaroo_http_request_duration_seconds_count", route="/v1/items/{id}") == 3
    )


def test_exposition_is_the_text_format() -> None:
    body, content_type = exposition(new_registry())
    assert content_type.startswith("text/plain")
    assert b"python_info" in body


class _Health(health.aio.HealthServicer):
    async def Check(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        if request.service == "broken":
            await context.abort(grpc.StatusCode.NOT_FOUND, "no such service")
        return await super().Check(request, context)


async def test_grpc_calls_are_counted_by_method_and_code() -> None:
    registry = CollectorRegistry()
    server = grpc.aio.server(interceptors=[GrpcMetrics(registry)])
    health_pb2_grpc.add_HealthServicer_to_server(_Health(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            for _ in range(2):
                await stub.Check(health_pb2.HealthCheckRequest(), timeout=5)
            try:
                await stub.Check(health_pb2.HealthCheckRequest(service="broken"), timeout=5)
            except grpc.aio.AioRpcError as exc:
                assert exc.code() == grpc.StatusCode.NOT_FOUND
    finally:
        await server.stop(grace=None)
    method = "/grpc.health.v1.Health/Check"
    assert _value(registry, "tokaroo_grpc_server_requests_total", method=method, code="OK") == 2
    assert (
        _value(registry, "tokaroo_grpc_server_requests_total", method=method, code="NOT_FOUND") == 1
    )
    assert _value(registry, "tokaroo_grpc_server_duration_seconds_count", method=method) == 3
    # Handler time at sub-millisecond resolution: what each service adds to a request.
    assert (
        _value(registry, "tokaroo_grpc_server_duration_seconds_bucket", method=method, le="0.0001")
        is not None
    )


async def test_consumed_events_by_outcome() -> None:
    registry = CollectorRegistry()
    events = ConsumedEvents(registry, "ledger-settlement")

    async def handler(msgs: Sequence[Any]) -> Sequence[Any]:
        if "boom" in msgs:
            raise RuntimeError("database down")
        return [m for m in msgs if m == "bad"]

    counted = events.counted(handler)
    assert await counted(["a", "b", "bad"]) == ["bad"]
    try:
        await counted(["boom", "c"])
    except RuntimeError:
        pass
    for outcome, n in (("ok", 2), ("poison", 1), ("failed", 2)):
        assert (
            _value(
                registry,
                "tokaroo_events_consumed_total",
                consumer="ledger-settlement",
                outcome=outcome,
            )
            == n
        )


def test_stats_are_read_at_scrape_time() -> None:
    registry = CollectorRegistry()
    stats = {"inserted": 0}
    registry.register(StatsCollector("tokaroo_sink", "sink stats", lambda: stats))
    stats["inserted"] = 7
    assert _value(registry, "tokaroo_sink_inserted_total") == 7


async def test_metrics_server_on_a_port() -> None:
    registry = new_registry()
    assert serve_metrics(registry, "127.0.0.1", 0)() is None  # 0 = off, stop is a no-op
    port = free_port()
    stop = serve_metrics(registry, "127.0.0.1", port)
    try:
        async with httpx.AsyncClient() as client:
            resp = await client.get(f"http://127.0.0.1:{port}/metrics")
        assert resp.status_code == 200 and "python_info" in resp.text
    finally:
        await asyncio.to_thread(stop)


async def test_loop_tasks_counts_the_tasks_of_the_loop() -> None:
    registry = new_registry(asyncio.get_running_loop())
    before = registry.get_sample_value("tokaroo_asyncio_tasks")
    assert before is not None and before >= 1
    gate = asyncio.Event()
    tasks = [asyncio.create_task(gate.wait()) for _ in range(5)]
    assert registry.get_sample_value("tokaroo_asyncio_tasks") == before + 5
    gate.set()
    await asyncio.gather(*tasks)
    assert registry.get_sample_value("tokaroo_asyncio_tasks") == before


_WORKER = """
from prometheus_client import CollectorRegistry, Counter
Counter("tokaroo_demo", "demo", registry=CollectorRegistry()).inc(2)
"""


def test_scrape_registry_of_one_process_has_its_own_values() -> None:
    live, values = new_registry(), CollectorRegistry()
    HttpMetrics(values).observe("GET", "/x", 200, 0.001)
    scrape = scrape_registry(live, values, None)
    assert _value(scrape, "tokaroo_http_requests_total", method="GET", route="/x", status="200")
    assert _value(scrape, "process_cpu_seconds_total") is not None


def test_scrape_registry_sums_every_worker_in_multiprocess_mode(tmp_path: Path) -> None:
    """Two worker processes write their counters under PROMETHEUS_MULTIPROC_DIR; a scrape
    answered by any process sums them, next to that process's own live collectors."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", _WORKER], env=env, check=True, timeout=60)
    scrape = scrape_registry(new_registry(), CollectorRegistry(), tmp_path)
    assert _value(scrape, "tokaroo_demo_total") == 4
    assert _value(scrape, "process_cpu_seconds_total") is not None
