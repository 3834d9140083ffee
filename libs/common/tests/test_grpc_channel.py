from __future__ import annotations

import asyncio

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from tokaroo_common.grpc_channel import channel_target, internal_channel
from tokaroo_common.grpc_server import add_health_and_reflection, mark_serving


def test_a_single_address_or_a_scheme_is_kept() -> None:
    assert channel_target("127.0.0.1:50051") == "127.0.0.1:50051"
    assert channel_target("dns:///router-headless:50051") == "dns:///router-headless:50051"
    assert channel_target("ipv4:127.0.0.1:1,127.0.0.1:2") == "ipv4:127.0.0.1:1,127.0.0.1:2"


def test_a_list_of_ip_addresses_becomes_one_ipv4_target() -> None:
    assert channel_target("127.0.0.1:1, 127.0.0.1:2") == "ipv4:127.0.0.1:1,127.0.0.1:2"
    assert channel_target("[::1]:1,[::1]:2") == "ipv6:[::1]:1,[::1]:2"


def test_a_list_of_names_is_refused() -> None:
    with pytest.raises(ValueError, match="headless"):
        channel_target("router-a:1,router-b:2")


async def _server() -> tuple[grpc.aio.Server, int]:
    server = grpc.aio.server()
    health = add_health_and_reflection(server, [])
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    await mark_serving(health, [])
    return server, port


async def _spread_and_failover() -> None:
    (a, pa), (b, pb) = await _server(), await _server()
    async with internal_channel(f"127.0.0.1:{pa},127.0.0.1:{pb}") as ch:
        stub = health_pb2_grpc.HealthStub(ch)
        for _ in range(6):
            assert (
                await stub.Check(health_pb2.HealthCheckRequest(), timeout=5)
            ).status == health_pb2.HealthCheckResponse.SERVING
        await a.stop(grace=None)
        # The dead replica is skipped: every following call is answered by the live one.
        for _ in range(6):
            assert (
                await stub.Check(health_pb2.HealthCheckRequest(), timeout=5)
            ).status == health_pb2.HealthCheckResponse.SERVING
    await b.stop(grace=None)


def test_calls_skip_a_stopped_replica() -> None:
    asyncio.run(_spread_and_failover())
