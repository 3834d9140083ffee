"""The whole local stack started for tests: the same process specs `tokaroo up` runs, on free
ports in a temporary home, each process supervised so tests can kill and restart it."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc
from tokaroo_cli.bootstrap import ensure_bootstrap_tenant
from tokaroo_cli.infra.ports import free_port
from tokaroo_cli.infra.supervise import ManagedProcess
from tokaroo_cli.stack import StackLayout, infra_specs, service_specs
from tokaroo_cli.up import prepare
from tokaroo_common.money import usd_to_nano
from tokaroo_proto.ledger.v1 import ledger_pb2, ledger_pb2_grpc


def wait_grpc(addr: str, timeout: float = 60.0, proc: ManagedProcess | None = None) -> None:
    """Until the gRPC health check says SERVING; fails at once, with the process's log tail,
    when the process exits, and with the same tail when the time is up."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with grpc.insecure_channel(addr) as ch:
                resp = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(),
                                                            timeout=1)
                if resp.status == health_pb2.HealthCheckResponse.SERVING:
                    return
        except grpc.RpcError:
            pass
        if proc is not None and not proc.running:
            raise RuntimeError(f"{proc.spec.name} exited with {proc.returncode} before serving "
                               f"on {addr}; log:\n{proc.log_tail()}")
        if time.monotonic() > deadline:
            tail = f"; log:\n{proc.log_tail()}" if proc is not None else ""
            raise TimeoutError(f"gRPC service at {addr} not ready after {timeout:.0f} s{tail}")
        time.sleep(0.1)


@dataclass
class Stack:
    layout: StackLayout
    api_key: str
    procs: dict[str, ManagedProcess]

    @property
    def base_url(self) -> str:
        return self.layout.base_url

    def wait_grpc_ready(self, addr: str) -> None:
        wait_grpc(addr)

    def balance(self, key: str | None = None) -> Decimal:
        resp = httpx.get(f"{self.base_url}/balance",
                         headers={"Authorization": f"Bearer {key or self.api_key}"})
        resp.raise_for_status()
        return Decimal(resp.json()["balance_usd_exact"])

    async def who(self, key: str) -> ledger_pb2.AuthenticateResponse:
        """The ledger's answer for an API key: its tenant and key id."""
        async with grpc.aio.insecure_channel(self.layout.ledger_addr) as ch:
            return await ledger_pb2_grpc.LedgerServiceStub(ch).Authenticate(
                ledger_pb2.AuthenticateRequest(
                    key_hash=hashlib.sha256(key.encode()).hexdigest()), timeout=10)

    def tenant_id(self, key: str) -> str:
        return str(asyncio.run(self.who(key)).tenant_id)

    def new_key(self, tenant_key: str, *, rpm: int = 0, tpm: int = 0) -> str:
        """Another key of the tenant owning `tenant_key`, with per-key limits."""
        async def create() -> str:
            who = await self.who(tenant_key)
            async with grpc.aio.insecure_channel(self.layout.ledger_addr) as ch:
                created = await ledger_pb2_grpc.LedgerServiceStub(ch).CreateKey(
                    ledger_pb2.CreateKeyRequest(
                        tenant_id=who.tenant_id, name="limited", requests_per_minute=rpm,
                        tokens_per_minute=tpm), timeout=10)
                return str(created.secret)
        return asyncio.run(create())

    def new_tenant_key(self, credit_usd: str = "10", name: str = "test") -> str:
        async def create() -> str:
            async with grpc.aio.insecure_channel(self.layout.ledger_addr) as ch:
                created = await ledger_pb2_grpc.LedgerServiceStub(ch).CreateTenant(
                    ledger_pb2.CreateTenantRequest(
                        name=name, initial_credit_nano=usd_to_nano(credit_usd),
                        key_name="test"), timeout=10)
                return str(created.key.secret)
        return asyncio.run(create())


@contextlib.contextmanager
def extra_edge(stack: Stack, name: str = "edge-2") -> Iterator[str]:
    """A second edge replica on its own port against the stack's ledger, Valkey and NATS
    (its own outbox files); yields its base URL."""
    layout = stack.layout
    port = free_port()
    edge = next(s for s in service_specs(layout) if s.name == "edge")
    env = {**edge.env, "TOKAROO_PORT": str(port),
           "TOKAROO_OUTBOX_SPILL_PATH": str(layout.home / f"{name}-outbox.jsonl"),
           "TOKAROO_OUTBOX_JOURNAL_DIR": str(layout.home / f"{name}-outbox")}
    proc = ManagedProcess(
        dataclasses.replace(edge, name=name, env=env), layout.home / "logs",
        ready=lambda p: p.wait_ready_http(f"http://127.0.0.1:{port}/readyz", timeout=90),
        base_env=dict(os.environ))
    proc.start()
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.stop()


def _ready_check(name: str, layout: StackLayout) -> Callable[[ManagedProcess], None]:
    checks: dict[str, Callable[[ManagedProcess], None]] = {
        "nats": lambda p: p.wait_ready_http(
            f"http://127.0.0.1:{layout.nats_monitor_port}/healthz?js-enabled-only=true"),
        "valkey": lambda p: p.wait_ready_redis(layout.valkey_port),
        "postgres": lambda p: p.wait_ready_postgres(layout.admin_dsn),
        "simulator": lambda p: p.wait_ready_http(f"{layout.simulator_url}/healthz"),
        "router": lambda p: wait_grpc(f"127.0.0.1:{layout.router_port}", proc=p),
        "cache": lambda p: wait_grpc(f"127.0.0.1:{layout.cache_port}", proc=p),
        "ledger": lambda p: wait_grpc(layout.ledger_addr, proc=p),
        "analytics": lambda p: wait_grpc(f"127.0.0.1:{layout.analytics_port}", timeout=120,
                                         proc=p),
        "edge": lambda p: p.wait_ready_http(
            f"http://127.0.0.1:{layout.edge_port}/readyz", timeout=60),
    }
    return checks[name]


def make_layout(home: Path, **env: str) -> StackLayout:
    return StackLayout(
        home=home, edge_port=free_port(), nats_port=free_port(),
        nats_monitor_port=free_port(), valkey_port=free_port(), postgres_port=free_port(),
        simulator_port=free_port(), router_port=free_port(), cache_port=free_port(),
        ledger_port=free_port(), analytics_port=free_port(), log_level="WARNING",
        metrics_ports={name: free_port() for name in ("router", "cache", "ledger", "analytics")},
    ).with_env(**env)


@contextlib.contextmanager
def running_stack(home: Path, **env: str) -> Iterator[Stack]:
    # Every test client comes from 127.0.0.1: the failed-auth throttle is tested on its own.
    # The edge gives up on a cache lookup after 150 ms in production (a slow cache is a
    # miss); on a loaded CI machine an embedding alone can take that long, which would make
    # every semantic-cache assertion a coin toss, so tests wait up to 2 s.
    layout = make_layout(home, **{"TOKAROO_AUTH_FAILURES_PER_MINUTE": "100000",
                                  "TOKAROO_CACHE_LOOKUP_TIMEOUT_S": "2", **env})
    prepare(layout)
    procs: dict[str, ManagedProcess] = {}
    try:
        for spec in infra_specs(layout) + service_specs(layout):
            proc = ManagedProcess(
                spec, layout.home / "logs", ready=_ready_check(spec.name, layout),
                base_env=dict(os.environ) if spec.env else None,
                stop_signal=signal.SIGINT if spec.name == "postgres" else signal.SIGTERM)
            procs[spec.name] = proc
            proc.start()
        key = asyncio.run(ensure_bootstrap_tenant(layout.ledger_addr, layout.home,
                                                  layout.bootstrap_credit_usd, None))
        yield Stack(layout, key, procs)
    finally:
        for proc in reversed(list(procs.values())):
            proc.stop()
