"""The one gRPC start-up: health SERVING for every service while the block runs, reflection
listed, NOT_SERVING and stopped after it."""

from __future__ import annotations

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from tokaroo_common.grpc_server import serving

from .conftest import free_port


async def test_serving_reports_health_then_stops() -> None:
    port = free_port()
    server = grpc.aio.server()
    async with serving(
        server, ["tokaroo.test.v1.Nothing"], f"127.0.0.1:{port}", grace_s=0.1
    ) as health:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            for name in ("", "tokaroo.test.v1.Nothing"):
                reply = await stub.Check(health_pb2.HealthCheckRequest(service=name))
                assert reply.status == health_pb2.HealthCheckResponse.SERVING
    after = await health.Check(health_pb2.HealthCheckRequest(service=""), None)
    assert after.status == health_pb2.HealthCheckResponse.NOT_SERVING
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=0.5)
            raise AssertionError("the server still answers")
        except grpc.aio.AioRpcError as exc:
            assert exc.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
