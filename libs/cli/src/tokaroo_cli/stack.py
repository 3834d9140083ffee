"""The local stack as data: which processes run, with which arguments and environment, in
which order, and how to tell each one is ready.

Pure. One launcher (tokaroo_cli.launch) starts these plans for `tokaroo up`, the end-to-end
tests and bench, so what is tested is what runs. A layout is either one process per service
(the default) or a cluster: `replica_ports` gives a service several replicas (one process
per port, named `router-1`, `router-2`, ...), `nats_nodes` a NATS cluster, and replicated
edges sit behind a load balancer on `edge_port`."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Literal

from tokaroo_cli.infra.haproxy import Backend, haproxy_spec
from tokaroo_cli.infra.specs import ServerSpec, nats_spec, postgres_spec, valkey_spec

DATABASE = "tokaroo"
REPLICATED = ("edge", "router", "cache", "ledger", "analytics")


@dataclass(frozen=True)
class NatsNode:
    """One node of a local NATS cluster: client, monitoring and cluster-route ports."""

    port: int
    monitor_port: int
    route_port: int


@dataclass(frozen=True)
class StackLayout:
    home: Path
    edge_port: int  # the edge, or the load balancer in front of the edge replicas
    nats_port: int
    nats_monitor_port: int
    valkey_port: int
    postgres_port: int
    simulator_port: int
    router_port: int
    cache_port: int
    ledger_port: int
    analytics_port: int = 50054
    log_level: str = "INFO"
    simulator_latency_ms: int = 0
    bootstrap_credit_usd: Decimal = Decimal(10)
    extra_env: dict[str, str] = field(default_factory=dict)
    metrics_ports: dict[str, int] = field(default_factory=dict)  # process -> /metrics port
    replica_ports: dict[str, tuple[int, ...]] = field(default_factory=dict)  # service -> ports
    nats_nodes: tuple[NatsNode, ...] = ()  # a NATS cluster instead of nats_port
    load_balancer_stats_port: int = 0

    @property
    def clustered(self) -> bool:
        return bool(self.nats_nodes or self.replica_ports)

    def ports(self, service: str) -> tuple[int, ...]:
        """The port of every replica of a replicated service."""
        default = {
            "edge": self.edge_port,
            "router": self.router_port,
            "cache": self.cache_port,
            "ledger": self.ledger_port,
            "analytics": self.analytics_port,
        }[service]
        return self.replica_ports.get(service) or (default,)

    def addrs(self, service: str) -> str:
        """Every replica as `127.0.0.1:a,127.0.0.1:b` (tokaroo_common.grpc_channel)."""
        return ",".join(f"127.0.0.1:{p}" for p in self.ports(service))

    @property
    def nats_url(self) -> str:
        ports = [n.port for n in self.nats_nodes] or [self.nats_port]
        return ",".join(f"nats://127.0.0.1:{p}" for p in ports)

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.valkey_port}/0"

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.postgres_port}/postgres"

    @property
    def postgres_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.postgres_port}/{DATABASE}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.edge_port}/v1"

    @property
    def simulator_url(self) -> str:
        return f"http://127.0.0.1:{self.simulator_port}"

    @property
    def ledger_addr(self) -> str:
        return self.addrs("ledger")

    @property
    def pg_dir(self) -> Path:
        return self.home / "postgres"

    def with_env(self, **env: str) -> StackLayout:
        return replace(self, extra_env={**self.extra_env, **env})


@dataclass(frozen=True)
class Ready:
    """How to tell a process is ready: GET `target` answers 200 (http), the gRPC health
    check at `target` says SERVING (grpc), PING on port `target` (redis), a connection
    with DSN `target` (postgres)."""

    kind: Literal["http", "grpc", "redis", "postgres"]
    target: str
    timeout_s: float = 60.0


@dataclass(frozen=True)
class Launch:
    spec: ServerSpec
    ready: Ready
    stop_signal: signal.Signals = signal.SIGTERM


@dataclass(frozen=True)
class Stage:
    """Processes started together; the next stage starts once all of them are ready.
    `stream_replicas`, when set, is the replica count the event stream is created with
    once this stage is ready (the NATS cluster)."""

    launches: tuple[Launch, ...]
    stream_replicas: int | None = None


def service_env(layout: StackLayout) -> dict[str, str]:
    """Environment shared by every Tokaroo service of the local stack."""
    sim = layout.simulator_url
    env = {
        "TOKAROO_LOG_LEVEL": layout.log_level,
        "TOKAROO_NATS_URL": layout.nats_url,
        "TOKAROO_REDIS_URL": layout.redis_url,
        "TOKAROO_POSTGRES_DSN": layout.postgres_dsn,
        "TOKAROO_ROUTER_GRPC_PORT": str(layout.router_port),
        "TOKAROO_CACHE_GRPC_PORT": str(layout.cache_port),
        "TOKAROO_LEDGER_GRPC_PORT": str(layout.ledger_port),
        "TOKAROO_ROUTER_ADDR": layout.addrs("router"),
        "TOKAROO_CACHE_ADDR": layout.addrs("cache"),
        "TOKAROO_LEDGER_ADDR": layout.ledger_addr,
        "TOKAROO_PORT": str(layout.edge_port),
        "TOKAROO_ANALYTICS_GRPC_PORT": str(layout.analytics_port),
        "TOKAROO_CLICKHOUSE_DSN": f"chdb://{layout.home / 'clickhouse'}",
        "TOKAROO_OPENAI_BASE_URL": f"{sim}/v1",
        "TOKAROO_OPENAI_API_KEY": "sim-openai-key",
        "TOKAROO_ANTHROPIC_BASE_URL": sim,
        "TOKAROO_ANTHROPIC_API_KEY": "sim-anthropic-key",
        "TOKAROO_GEMINI_BASE_URL": f"{sim}/v1beta",
        "TOKAROO_GEMINI_API_KEY": "sim-gemini-key",
        "TOKAROO_OUTBOX_SPILL_PATH": str(layout.home / "edge-outbox.jsonl"),
        "TOKAROO_OUTBOX_JOURNAL_DIR": str(layout.home / "edge-outbox"),
        "PYTHONUNBUFFERED": "1",
    }
    env.update(layout.extra_env)
    return env


def _py(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def _nats_specs(layout: StackLayout) -> list[ServerSpec]:
    home = layout.home
    if not layout.nats_nodes:
        return [nats_spec(home / "nats", layout.nats_port, layout.nats_monitor_port)]
    routes = [f"nats://127.0.0.1:{n.route_port}" for n in layout.nats_nodes]
    return [
        nats_spec(
            home / f"nats-{i}",
            n.port,
            n.monitor_port,
            name=f"nats-{i}",
            cluster=("tokaroo", n.route_port, routes),
        )
        for i, n in enumerate(layout.nats_nodes, 1)
    ]


def infra_specs(layout: StackLayout) -> list[ServerSpec]:
    return [
        *_nats_specs(layout),
        valkey_spec(layout.home / "valkey", layout.valkey_port, persist=True),
        postgres_spec(layout.pg_dir, layout.postgres_port),
    ]


def _metrics_env(env: dict[str, str], layout: StackLayout, name: str) -> dict[str, str]:
    """Each process needs its own metrics port (they share one host here)."""
    port = layout.metrics_ports.get(name)
    return {**env, "TOKAROO_METRICS_PORT": str(port)} if port else env


_ARGV = {
    "router": _py("tokaroo_router"),
    "cache": _py("tokaroo_cache"),
    "ledger": _py("tokaroo_ledger", "serve"),
    # The embedded ClickHouse (chdb) allows one owner per directory: sink and query API
    # run in one process locally; separate Deployments against a ClickHouse server.
    "analytics": _py("tokaroo_ledger.analytics", "run"),
    "edge": _py("tokaroo_edge"),
}
_PORT_ENV = {
    "router": "TOKAROO_ROUTER_GRPC_PORT",
    "cache": "TOKAROO_CACHE_GRPC_PORT",
    "ledger": "TOKAROO_LEDGER_GRPC_PORT",
    "analytics": "TOKAROO_ANALYTICS_GRPC_PORT",
    "edge": "TOKAROO_PORT",
}


def replica_names(layout: StackLayout, service: str) -> list[str]:
    n = len(layout.ports(service))
    return (
        [service]
        if service not in layout.replica_ports
        else [f"{service}-{i}" for i in range(1, n + 1)]
    )


def _replica_env(
    layout: StackLayout, env: dict[str, str], service: str, name: str, port: int
) -> dict[str, str]:
    if service not in layout.replica_ports:
        return env
    own = {**env, _PORT_ENV[service]: str(port)}
    if service == "edge":  # each replica keeps its own outbox files
        own["TOKAROO_OUTBOX_SPILL_PATH"] = str(layout.home / f"{name}-outbox.jsonl")
        own["TOKAROO_OUTBOX_JOURNAL_DIR"] = str(layout.home / f"{name}-outbox")
        # Replicas are the cluster's unit of scale (HAProxy spreads over them): one worker
        # process each, so a killed replica is a killed edge.
        own.setdefault("TOKAROO_EDGE_WORKERS", "1")
    if service == "analytics":
        # One chdb directory per sink (one owner each); both share the durable consumer, so
        # each event lands in exactly one of them. In Kubernetes both write one ClickHouse.
        own["TOKAROO_CLICKHOUSE_DSN"] = f"chdb://{layout.home / f'clickhouse-{name}'}"
    return own


def _service_spec(
    layout: StackLayout, env: dict[str, str], service: str, name: str, port: int
) -> ServerSpec:
    own = _metrics_env(_replica_env(layout, env, service, name, port), layout, name)
    return ServerSpec(name, _ARGV[service], own, None)


def service_specs(layout: StackLayout) -> list[ServerSpec]:
    env = service_env(layout)
    sim_args = [
        "--host",
        "127.0.0.1",
        "--port",
        str(layout.simulator_port),
        "--latency-ms",
        str(layout.simulator_latency_ms),
    ]
    specs = [ServerSpec("simulator", _py("tokaroo_simulator", *sim_args), env, None)]
    for service in ("router", "cache", "ledger", "analytics", "edge"):
        for name, port in zip(replica_names(layout, service), layout.ports(service), strict=True):
            specs.append(_service_spec(layout, env, service, name, port))
    return specs


def load_balancer_spec(layout: StackLayout) -> ServerSpec | None:
    """HAProxy in front of the edge replicas, on edge_port (None with one edge)."""
    if "edge" not in layout.replica_ports:
        return None
    backends = [
        Backend(name, port)
        for name, port in zip(replica_names(layout, "edge"), layout.ports("edge"), strict=True)
    ]
    return haproxy_spec(
        layout.home / "haproxy",
        layout.edge_port,
        backends,
        stats_port=layout.load_balancer_stats_port,
    )


def research_spec(layout: StackLayout) -> ServerSpec:
    """The research job as a one-shot process (probe the configured providers, publish)."""
    return ServerSpec(
        "research",
        _py("tokaroo_research", "run", "--probe", "--publish"),
        service_env(layout),
        None,
    )


# ---- the launch plan -------------------------------------------------------------------------


def _ready(layout: StackLayout, spec: ServerSpec) -> Ready:
    name = spec.name
    service = name.rsplit("-", 1)[0] if name[-1].isdigit() else name
    if service == "nats":
        node = layout.nats_nodes[int(name.rsplit("-", 1)[1]) - 1] if layout.nats_nodes else None
        monitor = node.monitor_port if node else layout.nats_monitor_port
        return Ready("http", f"http://127.0.0.1:{monitor}/healthz?js-enabled-only=true")
    if service == "valkey":
        return Ready("redis", str(layout.valkey_port))
    if service == "postgres":
        return Ready("postgres", layout.admin_dsn)
    if service == "simulator":
        return Ready("http", f"{layout.simulator_url}/healthz")
    if service == "haproxy":
        return Ready("http", f"http://127.0.0.1:{layout.edge_port}/readyz")
    port = spec.env[_PORT_ENV[service]]
    # Upper bounds only: on a loaded 2-core machine several services importing side by side
    # have taken over a minute.
    if service == "edge":
        return Ready("http", f"http://127.0.0.1:{port}/readyz", 180)
    return Ready("grpc", f"127.0.0.1:{port}", 180)


def _launch(layout: StackLayout, spec: ServerSpec) -> Launch:
    stop = signal.SIGINT if spec.name == "postgres" else signal.SIGTERM
    return Launch(spec, _ready(layout, spec), stop)


def launch_plan(layout: StackLayout, *, simulator: bool = True) -> list[Stage]:
    """Infra, then the services the edge calls, then the edge(s) and their load balancer.
    `simulator=False` leaves the upstream simulator out (real providers configured)."""
    infra = infra_specs(layout)
    services = [s for s in service_specs(layout) if simulator or s.name != "simulator"]
    nats = [s for s in infra if s.name.startswith("nats")]
    first = [s for s in infra if s not in nats] + [s for s in services if s.name == "simulator"]
    edges = [s for s in services if s.name.startswith("edge")]
    middle = [s for s in services if s not in edges and s.name != "simulator"]

    def stage(specs: list[ServerSpec], replicas: int | None = None) -> Stage:
        return Stage(tuple(_launch(layout, s) for s in specs), replicas)

    stages = [
        stage(nats, min(3, len(layout.nats_nodes)) if layout.nats_nodes else None),
        stage(first),
        stage(middle),
        stage(edges),
    ]
    lb = load_balancer_spec(layout)
    if lb is not None:
        stages.append(stage([lb]))
    return stages


def cluster_of(
    layout: StackLayout, next_port: Callable[[], int], *, replicas: int = 2, nats_nodes: int = 3
) -> StackLayout:
    """The same stack as a cluster: `nats_nodes` NATS nodes (the first on layout's NATS
    ports), `replicas` of every Tokaroo service on ports from next_port (the edges behind a
    load balancer on layout.edge_port), a /metrics port per replica."""
    nodes = tuple(
        NatsNode(layout.nats_port, layout.nats_monitor_port, next_port())
        if i == 0
        else NatsNode(next_port(), next_port(), next_port())
        for i in range(nats_nodes)
    )
    ports = {s: tuple(next_port() for _ in range(replicas)) for s in REPLICATED}
    metrics = {
        f"{s}-{i}": next_port() for s in REPLICATED if s != "edge" for i in range(1, replicas + 1)
    }
    return replace(
        layout,
        nats_nodes=nodes,
        replica_ports=ports,
        metrics_ports={**layout.metrics_ports, **metrics},
        load_balancer_stats_port=next_port(),
    )


def sequential_ports(first: int) -> Callable[[], int]:
    """first, first + 1, ... (fixed ports for `tokaroo up --cluster`)."""
    counter = iter(range(first, 65536))
    return lambda: next(counter)
