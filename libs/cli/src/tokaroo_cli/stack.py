"""The local stack as data: which processes run, with which arguments and environment.

Pure: `tokaroo up` hands these specs to honcho; the end-to-end tests start the very same specs
with their own supervisor on free ports, so what is tested is what runs."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from tokaroo_cli.infra.specs import ServerSpec, nats_spec, postgres_spec, valkey_spec

DATABASE = "tokaroo"


@dataclass(frozen=True)
class StackLayout:
    home: Path
    edge_port: int
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
    metrics_ports: dict[str, int] = field(default_factory=dict)  # service -> /metrics port

    @property
    def nats_url(self) -> str:
        return f"nats://127.0.0.1:{self.nats_port}"

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
        return f"127.0.0.1:{self.ledger_port}"

    @property
    def pg_dir(self) -> Path:
        return self.home / "postgres"

    def with_env(self, **env: str) -> StackLayout:
        return replace(self, extra_env={**self.extra_env, **env})


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
        "TOKAROO_ROUTER_ADDR": f"127.0.0.1:{layout.router_port}",
        "TOKAROO_CACHE_ADDR": f"127.0.0.1:{layout.cache_port}",
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


def infra_specs(layout: StackLayout) -> list[ServerSpec]:
    home = layout.home
    return [
        nats_spec(home / "nats", layout.nats_port, layout.nats_monitor_port),
        valkey_spec(home / "valkey", layout.valkey_port, persist=True),
        postgres_spec(layout.pg_dir, layout.postgres_port),
    ]


def _metrics_env(env: dict[str, str], layout: StackLayout, name: str) -> dict[str, str]:
    """Each process needs its own metrics port (they share one host here)."""
    port = layout.metrics_ports.get(name)
    return {**env, "TOKAROO_METRICS_PORT": str(port)} if port else env


def service_specs(layout: StackLayout) -> list[ServerSpec]:
    env = service_env(layout)
    sim_args = ["--host", "127.0.0.1", "--port", str(layout.simulator_port),
                "--latency-ms", str(layout.simulator_latency_ms)]
    return [
        ServerSpec("simulator", _py("tokaroo_simulator", *sim_args), env, None),
        ServerSpec("router", _py("tokaroo_router"), _metrics_env(env, layout, "router"), None),
        ServerSpec("cache", _py("tokaroo_cache"), _metrics_env(env, layout, "cache"), None),
        ServerSpec("ledger", _py("tokaroo_ledger", "serve"),
                   _metrics_env(env, layout, "ledger"), None),
        # The embedded ClickHouse (chdb) allows one owner per directory: sink and query API
        # run in one process locally; separate Deployments against a ClickHouse server.
        ServerSpec("analytics", _py("tokaroo_ledger.analytics", "run"),
                   _metrics_env(env, layout, "analytics"), None),
        ServerSpec("edge", _py("tokaroo_edge"), env, None),
    ]


def research_spec(layout: StackLayout) -> ServerSpec:
    """The research job as a one-shot process (probe the configured providers, publish)."""
    return ServerSpec("research", _py("tokaroo_research", "run", "--probe", "--publish"),
                      service_env(layout), None)
