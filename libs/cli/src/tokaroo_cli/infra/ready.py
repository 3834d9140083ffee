"""Readiness waiters: poll a probe until it succeeds or the timeout passes.

Each waiter comes in two forms, `wait_x` (async) and `wait_x_sync` (blocking; safe to call
from inside a running event loop too). The sync forms take `alive`, a callable that returns
False once the watched process has died, so a crashed server fails fast instead of timing out.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

import asyncpg  # type: ignore[import-untyped]
import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tokaroo_cli.infra.errors import NotReadyError, ProcessExitedError

INTERVAL = 0.05
_PING = b"*1\r\n$4\r\nPING\r\n"


def _probe_timeout(deadline: float) -> float:
    return max(0.05, min(2.0, deadline - time.monotonic()))


# ---- generic loops ---------------------------------------------------------------------------


def poll_until(
    probe: Callable[[float], bool],
    timeout: float,
    what: str,
    *,
    alive: Callable[[], bool] | None = None,
    interval: float = INTERVAL,
) -> None:
    """Call probe(per_try_timeout) until it returns True. Raises NotReadyError on timeout,
    ProcessExitedError as soon as alive() is False."""
    deadline = time.monotonic() + timeout
    while True:
        if alive is not None and not alive():
            raise ProcessExitedError(f"{what}: the process exited before it was ready")
        if probe(_probe_timeout(deadline)):
            return
        if time.monotonic() >= deadline:
            raise NotReadyError(f"{what} not ready after {timeout:.1f}s")
        time.sleep(interval)


async def apoll_until(
    probe: Callable[[float], Awaitable[bool]],
    timeout: float,
    what: str,
    *,
    interval: float = INTERVAL,
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if await probe(_probe_timeout(deadline)):
            return
        if time.monotonic() >= deadline:
            raise NotReadyError(f"{what} not ready after {timeout:.1f}s")
        await asyncio.sleep(interval)


# ---- probes (one attempt each) ---------------------------------------------------------------


def probe_http(url: str, timeout: float) -> bool:
    try:
        return httpx.get(url, timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


async def aprobe_http(url: str, timeout: float) -> bool:
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            return (await client.get(url)).status_code == 200
    except httpx.HTTPError:
        return False


def probe_tcp(host: str, port: int, timeout: float) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


async def aprobe_tcp(host: str, port: int, timeout: float) -> bool:
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (TimeoutError, OSError):
        return False
    writer.close()
    await writer.wait_closed()
    return True


def probe_redis(host: str, port: int, timeout: float) -> bool:
    """A raw RESP PING; True only on +PONG (a -LOADING reply means not ready yet)."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.sendall(_PING)
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


async def aprobe_redis(host: str, port: int, timeout: float) -> bool:
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (TimeoutError, OSError):
        return False
    try:
        writer.write(_PING)
        await writer.drain()
        reply = await asyncio.wait_for(reader.readline(), timeout)
        return reply.startswith(b"+PONG")
    except (TimeoutError, OSError):
        return False
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass


async def aprobe_postgres(dsn: str, timeout: float) -> bool:
    try:
        conn = await asyncpg.connect(dsn, timeout=timeout)
    except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        return False
    await conn.close()
    return True


# ---- waiters ---------------------------------------------------------------------------------


async def wait_http(url: str, timeout: float) -> None:
    """Until GET url answers 200."""
    await apoll_until(lambda t: aprobe_http(url, t), timeout, f"GET {url}")


async def wait_tcp(host: str, port: int, timeout: float) -> None:
    """Until a TCP connection to host:port is accepted."""
    await apoll_until(lambda t: aprobe_tcp(host, port, t), timeout, f"tcp {host}:{port}")


async def wait_redis(port: int, timeout: float, host: str = "127.0.0.1") -> None:
    """Until PING answers PONG."""
    await apoll_until(lambda t: aprobe_redis(host, port, t), timeout, f"redis {host}:{port}")


async def wait_postgres(dsn: str, timeout: float) -> None:
    """Until asyncpg can connect with dsn."""
    await apoll_until(lambda t: aprobe_postgres(dsn, t), timeout, "postgres")


def wait_http_sync(url: str, timeout: float, *, alive: Callable[[], bool] | None = None) -> None:
    poll_until(lambda t: probe_http(url, t), timeout, f"GET {url}", alive=alive)


def wait_tcp_sync(
    host: str, port: int, timeout: float, *, alive: Callable[[], bool] | None = None
) -> None:
    poll_until(lambda t: probe_tcp(host, port, t), timeout, f"tcp {host}:{port}", alive=alive)


def wait_redis_sync(
    port: int, timeout: float, host: str = "127.0.0.1", *, alive: Callable[[], bool] | None = None
) -> None:
    poll_until(lambda t: probe_redis(host, port, t), timeout, f"redis {host}:{port}", alive=alive)


def wait_postgres_sync(
    dsn: str, timeout: float, *, alive: Callable[[], bool] | None = None
) -> None:
    """asyncpg runs in a worker thread with its own loop, so this also works when the calling
    thread already runs an event loop."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="wait-postgres") as pool:

        def probe(t: float) -> bool:
            return pool.submit(asyncio.run, aprobe_postgres(dsn, t)).result()

        poll_until(probe, timeout, "postgres", alive=alive)


def probe_grpc_health(addr: str, timeout: float) -> bool:
    """True when the gRPC health check (service "") at addr says SERVING."""
    try:
        with grpc.insecure_channel(addr) as ch:
            resp = health_pb2_grpc.HealthStub(ch).Check(  # type: ignore[attr-defined]
                health_pb2.HealthCheckRequest(), timeout=timeout
            )
    except grpc.RpcError:
        return False
    return bool(resp.status == health_pb2.HealthCheckResponse.SERVING)


def wait_grpc_sync(addr: str, timeout: float, *, alive: Callable[[], bool] | None = None) -> None:
    poll_until(
        lambda t: probe_grpc_health(addr, t), timeout, f"gRPC {addr}", alive=alive, interval=0.1
    )
