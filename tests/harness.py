"""The whole local stack started for tests by the launcher `tokaroo up` uses
(tokaroo_cli.launch), on free ports in a temporary home, each process supervised so tests can
kill and restart it. `running_cluster` starts the cluster layout (three NATS nodes, two
replicas of every service, the edges behind HAProxy)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
from tokaroo_cli.bootstrap import ensure_bootstrap_tenant
from tokaroo_cli.infra.ports import PortPicker, free_port
from tokaroo_cli.infra.ready import probe_grpc_health
from tokaroo_cli.infra.supervise import ManagedProcess
from tokaroo_cli.launch import launched
from tokaroo_cli.stack import StackLayout, cluster_of, service_specs
from tokaroo_common.grpc_channel import internal_channel
from tokaroo_common.money import usd_to_nano
from tokaroo_proto.ledger.v1 import ledger_pb2, ledger_pb2_grpc


def wait_grpc(addr: str, timeout: float = 60.0, proc: ManagedProcess | None = None) -> None:
    """Until the gRPC health check says SERVING; fails at once, with the process's log tail,
    when the process exits, and with the same tail when the time is up."""
    deadline = time.monotonic() + timeout
    while True:
        if probe_grpc_health(addr, 1.0):
            return
        if proc is not None and not proc.running:
            raise RuntimeError(
                f"{proc.spec.name} exited with {proc.returncode} before serving "
                f"on {addr}; log:\n{proc.log_tail()}"
            )
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
        """The key's tenant balance. A 503 (the ledger momentarily busy, as on a loaded CI
        machine) is retried as a client is told to, a few times."""
        for attempt in range(4):
            resp = httpx.get(
                f"{self.base_url}/balance",
                headers={"Authorization": f"Bearer {key or self.api_key}"},
            )
            if resp.status_code != 503 or attempt == 3:
                break
            time.sleep(float(resp.headers.get("retry-after") or 1))
        resp.raise_for_status()
        return Decimal(resp.json()["balance_usd_exact"])

    async def who(self, key: str) -> ledger_pb2.AuthenticateResponse:
        """The ledger's answer for an API key: its tenant and key id."""
        async with internal_channel(self.layout.ledger_addr) as ch:
            found: ledger_pb2.AuthenticateResponse = await ledger_pb2_grpc.LedgerServiceStub(
                ch
            ).Authenticate(
                ledger_pb2.AuthenticateRequest(key_hash=hashlib.sha256(key.encode()).hexdigest()),
                timeout=10,
            )
            return found

    def tenant_id(self, key: str) -> str:
        return str(asyncio.run(self.who(key)).tenant_id)

    def new_key(self, tenant_key: str, *, rpm: int = 0, tpm: int = 0) -> str:
        """Another key of the tenant owning `tenant_key`, with per-key limits."""

        async def create() -> str:
            who = await self.who(tenant_key)
            async with internal_channel(self.layout.ledger_addr) as ch:
                created = await ledger_pb2_grpc.LedgerServiceStub(ch).CreateKey(
                    ledger_pb2.CreateKeyRequest(
                        tenant_id=who.tenant_id,
                        name="limited",
                        requests_per_minute=rpm,
                        tokens_per_minute=tpm,
                    ),
                    timeout=10,
                )
                return str(created.secret)

        return asyncio.run(create())

    def new_tenant_key(self, credit_usd: str = "10", name: str = "test") -> str:
        async def create() -> str:
            async with internal_channel(self.layout.ledger_addr) as ch:
                created = await ledger_pb2_grpc.LedgerServiceStub(ch).CreateTenant(
                    ledger_pb2.CreateTenantRequest(
                        name=name, initial_credit_nano=usd_to_nano(credit_usd), key_name="test"
                    ),
                    timeout=10,
                )
                return str(created.key.secret)

        return asyncio.run(create())


@contextlib.contextmanager
def extra_edge(stack: Stack, name: str = "edge-2") -> Iterator[str]:
    """A second edge replica on its own port against the stack's ledger, Valkey and NATS
    (its own outbox files); yields its base URL."""
    layout = stack.layout
    port = free_port()
    edge = next(s for s in service_specs(layout) if s.name == "edge")
    env = {
        **edge.env,
        "TOKAROO_PORT": str(port),
        "TOKAROO_OUTBOX_SPILL_PATH": str(layout.home / f"{name}-outbox.jsonl"),
        "TOKAROO_OUTBOX_JOURNAL_DIR": str(layout.home / f"{name}-outbox"),
    }
    proc = ManagedProcess(
        dataclasses.replace(edge, name=name, env=env),
        layout.home / "logs",
        ready=lambda p: p.wait_ready_http(f"http://127.0.0.1:{port}/readyz", timeout=90),
        base_env=dict(os.environ),
    )
    proc.start()
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.stop()


def layout_on(home: Path, port: Callable[[], int], env: dict[str, str]) -> StackLayout:
    """The single-node layout with every port from `port`."""
    return StackLayout(
        home=home,
        edge_port=port(),
        nats_port=port(),
        nats_monitor_port=port(),
        valkey_port=port(),
        postgres_port=port(),
        simulator_port=port(),
        router_port=port(),
        cache_port=port(),
        ledger_port=port(),
        analytics_port=port(),
        log_level="WARNING",
        metrics_ports={name: port() for name in ("router", "cache", "ledger", "analytics")},
    ).with_env(**env)


def make_layout(home: Path, **env: str) -> StackLayout:
    return layout_on(home, PortPicker(), env)


def testing_env(**env: str) -> dict[str, str]:
    # Every test client comes from 127.0.0.1: the failed-auth throttle is tested on its own.
    # The edge gives up on a cache lookup after 150 ms in production (a slow cache is a
    # miss); on a loaded CI machine an embedding alone can take that long, which would make
    # every semantic-cache assertion a coin toss, so tests wait up to 2 s.
    return {
        "TOKAROO_AUTH_FAILURES_PER_MINUTE": "100000",
        "TOKAROO_CACHE_LOOKUP_TIMEOUT_S": "2",
        **env,
    }


@contextlib.contextmanager
def stack_for(layout: StackLayout) -> Iterator[Stack]:
    """Launch `layout` (tokaroo_cli.launch), ensure the bootstrap tenant, yield the Stack."""
    with launched(layout) as procs:
        key = asyncio.run(
            ensure_bootstrap_tenant(
                layout.ledger_addr, layout.home, layout.bootstrap_credit_usd, None
            )
        )
        yield Stack(layout, key, procs)


@contextlib.contextmanager
def running_stack(home: Path, **env: str) -> Iterator[Stack]:
    with stack_for(make_layout(home, **testing_env(**env))) as stack:
        yield stack


@contextlib.contextmanager
def private_stack(prefix: str, **env: str) -> Iterator[Stack]:
    """`running_stack` in a new short temp home (the PostgreSQL socket path is limited to
    107 bytes), outside pytest's numbered temp dirs, which concurrent pytest runs may clean
    up; removed afterwards unless TOKAROO_KEEP_TEST_STACK is set (its logs, after a
    failure)."""
    home = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        with running_stack(home, **env) as running:
            yield running
    finally:
        if os.environ.get("TOKAROO_KEEP_TEST_STACK"):
            print(f"\ntest stack kept in {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)


def haproxy_missing() -> str | None:
    """Why the cluster stack cannot start here (None when it can)."""
    if shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/sbin"):
        return None
    return "haproxy is not installed (bash tests/e2e/setup_haproxy.sh installs it)"


def make_cluster_layout(home: Path, **env: str) -> StackLayout:
    port = PortPicker()
    return cluster_of(layout_on(home, port, env), port)


@contextlib.contextmanager
def running_cluster(home: Path, **env: str) -> Iterator[Stack]:
    """Three NATS nodes (the event stream at three replicas), two replicas each of edge,
    router, cache, ledger and analytics, the edges behind HAProxy on `stack.base_url`;
    processes named `nats-1`, `edge-2`, ... in `stack.procs`."""
    with stack_for(make_cluster_layout(home, **testing_env(**env))) as stack:
        yield stack
