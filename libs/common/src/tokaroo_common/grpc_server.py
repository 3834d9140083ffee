"""gRPC server start-up shared by every service: health (grpc.health.v1), reflection, listen,
start, and the graceful stop. A service builds its server (`Observability.grpc_server()`),
adds its servicers, and runs inside `serving(...)`:

    async with serving(server, [SERVICE], f"{host}:{port}", grace_s=5):
        await stop.wait()

On exit the health status turns NOT_SERVING first (load balancers and clients move away),
then the server stops accepting calls and lets those in flight finish for `grace_s`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection


def add_health_and_reflection(
    server: grpc.aio.Server, service_names: Sequence[str]
) -> health.aio.HealthServicer:
    servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    names = [
        *service_names,
        health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
        reflection.SERVICE_NAME,
    ]
    reflection.enable_server_reflection(names, server)
    return servicer


async def mark_serving(servicer: health.aio.HealthServicer, service_names: Sequence[str]) -> None:
    for name in ["", *service_names]:
        await servicer.set(name, health_pb2.HealthCheckResponse.SERVING)


async def mark_not_serving(
    servicer: health.aio.HealthServicer, service_names: Sequence[str]
) -> None:
    for name in ["", *service_names]:
        await servicer.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)


@contextlib.asynccontextmanager
async def serving(
    server: grpc.aio.Server, service_names: Sequence[str], address: str, *, grace_s: float
) -> AsyncIterator[health.aio.HealthServicer]:
    """Serve `service_names` (already added to `server`) on `address` until the block ends."""
    servicer = add_health_and_reflection(server, service_names)
    if server.add_insecure_port(address) == 0:
        raise OSError(f"cannot listen on {address}")
    await server.start()
    try:
        await mark_serving(servicer, service_names)
        yield servicer
    finally:
        await mark_not_serving(servicer, service_names)
        await server.stop(grace=grace_s)
