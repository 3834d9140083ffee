"""Tracing and metrics of one service process, built once by its `__main__`.

`Observability.start` sets up tracing (off unless configured), a Prometheus registry and, when
`TOKAROO_METRICS_PORT` is set, the /metrics server; `grpc_server()` returns a gRPC server with
the tracing and metrics interceptors that are on; `close()` stops both at exit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import grpc
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Tracer
from prometheus_client import CollectorRegistry

from tokaroo_common.metrics import GrpcMetrics, new_registry, serve_metrics
from tokaroo_common.settings import BaseServiceSettings
from tokaroo_common.telemetry import grpc_server_interceptors, setup_tracing, shutdown_tracing


@dataclass
class Observability:
    tracing: TracerProvider | None
    registry: CollectorRegistry
    metrics_on: bool
    _stop_metrics: Callable[[], None]

    @classmethod
    def start(cls, service: str, settings: BaseServiceSettings) -> Observability:
        """Call from inside the service's running event loop."""
        registry = new_registry(asyncio.get_running_loop())
        stop = serve_metrics(registry, settings.bind_host, settings.metrics_port)
        return cls(setup_tracing(service, settings), registry, settings.metrics_port != 0, stop)

    def tracer(self, name: str) -> Tracer | None:
        """A tracer of this process's provider, or None when tracing is off."""
        return self.tracing.get_tracer(name) if self.tracing is not None else None

    def grpc_server(self) -> grpc.aio.Server:
        interceptors: list[grpc.aio.ServerInterceptor] = grpc_server_interceptors(self.tracing)
        if self.metrics_on:
            interceptors.append(GrpcMetrics(self.registry))
        return grpc.aio.server(interceptors=interceptors or None)

    def close(self) -> None:
        self._stop_metrics()
        shutdown_tracing(self.tracing)
