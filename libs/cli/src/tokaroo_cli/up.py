"""`tokaroo up [--cluster]`: the whole local stack, from a fresh clone, started by the one
launcher the tests and bench use (tokaroo_cli.launch).

Order: initdb (once) -> a short-lived PostgreSQL to create the database and apply migrations
-> NATS, Valkey, PostgreSQL and the upstream simulator -> router, cache, ledger, analytics ->
the edge -> the bootstrap tenant is ensured and the URL and key are printed. Each process
logs to `<home>/logs/<name>.log`. Ctrl-C or SIGTERM stops every process; so does one that
dies. `--cluster`: three NATS nodes (the event stream at three replicas), two replicas of
every service, the edges behind HAProxy on the usual port."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from types import FrameType

from tokaroo_cli import launch
from tokaroo_cli.bootstrap import ensure_bootstrap_tenant
from tokaroo_cli.config import StackSettings
from tokaroo_cli.live_providers import LiveProvider, describe, live_providers, provider_env
from tokaroo_cli.stack import StackLayout, cluster_of, research_spec, sequential_ports

CLUSTER_FIRST_PORT = 19100  # the extra replicas of `tokaroo up --cluster` count up from here


def layout_from(settings: StackSettings) -> StackLayout:
    layout = StackLayout(
        home=settings.home.resolve(),
        edge_port=settings.port,
        nats_port=settings.nats_port,
        nats_monitor_port=settings.nats_monitor_port,
        valkey_port=settings.valkey_port,
        postgres_port=settings.postgres_port,
        simulator_port=settings.simulator_port,
        router_port=settings.router_grpc_port,
        cache_port=settings.cache_grpc_port,
        ledger_port=settings.ledger_grpc_port,
        analytics_port=settings.analytics_grpc_port,
        log_level=settings.log_level,
        simulator_latency_ms=settings.simulator_latency_ms,
        bootstrap_credit_usd=settings.bootstrap_credit_usd,
        metrics_ports=metrics_ports(settings.metrics_first_port),
    )
    extra = provider_env(settings, stack_providers(settings, layout))
    if settings.local_ai_base_url and settings.local_default_model:
        extra["LOCAL_DEFAULT_MODEL"] = settings.local_default_model
    return layout.with_env(**extra)


def metrics_ports(first: int) -> dict[str, int]:
    """The /metrics port of each gRPC service and consumer, counting up from `first`."""
    names = ("router", "cache", "ledger", "analytics")
    return {name: first + i for i, name in enumerate(names)} if first else {}


def stack_providers(settings: StackSettings, layout: StackLayout) -> tuple[LiveProvider, ...]:
    return live_providers(
        settings, simulator_url=layout.simulator_url if settings.simulator else None
    )


def _say(line: str) -> None:
    print(f"[tokaroo] {line}", flush=True)


def prepare(layout: StackLayout) -> None:
    """initdb once, then migrations against a short-lived server (never on service start)."""
    launch.prepare(layout, _say)


def _announce(layout: StackLayout, settings: StackSettings) -> None:
    _research_once(layout)
    key = asyncio.run(
        ensure_bootstrap_tenant(
            layout.ledger_addr,
            layout.home,
            settings.bootstrap_credit_usd,
            settings.bootstrap_api_key,
        )
    )
    print(
        "\n[tokaroo] ready\n"
        f"[tokaroo]   base URL : {layout.base_url}\n"
        f"[tokaroo]   API key  : {key}\n"
        f"[tokaroo]   (saved in {layout.home / 'bootstrap-key'})\n"
        f"[tokaroo] try: curl {layout.base_url}/chat/completions -H "
        f"'Authorization: Bearer {key}' -H 'Content-Type: application/json' "
        '-d \'{"model":"auto","messages":[{"role":"user","content":"Hello!"}]}\'\n',
        flush=True,
    )


def _research_once(layout: StackLayout) -> None:
    """The market-research job, once at start-up (a weekly CronJob in Kubernetes): it
    publishes a validated pool snapshot that the router swaps in without a restart."""
    spec = research_spec(layout)
    result = subprocess.run(
        spec.argv,
        env={**os.environ, **spec.env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    why = f"exit {result.returncode}: {result.stderr.strip()[-300:]}"
    verdict = (
        "published a new model pool"
        if result.returncode == 0
        else f"kept the current model pool ({why})"
    )
    print(f"[tokaroo] research job {verdict}", flush=True)


def run_up(settings: StackSettings, *, cluster: bool = False) -> int:
    layout = layout_from(settings)
    if cluster:
        layout = cluster_of(layout, sequential_ports(CLUSTER_FIRST_PORT))
    live = stack_providers(settings, layout)
    for line in describe(live):
        print(f"[tokaroo] {line}", flush=True)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    with launch.launched(layout, simulator=any(p.simulated for p in live), say=_say) as procs:
        _say(f"{len(procs)} processes up; logs in {layout.home / 'logs'}")
        _announce(layout, settings)
        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        code = launch.run_until_signal(procs, stop)
        _say("stopping")
    return code


def main() -> None:
    sys.exit(run_up(StackSettings()))
