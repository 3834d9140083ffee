"""`tokaroo up`: the whole local stack under honcho, from a fresh clone.

Order: initdb (once) -> a short-lived PostgreSQL to create the database and apply migrations
-> honcho runs NATS, Valkey, PostgreSQL, the upstream simulator and every service -> once the
edge is ready, the bootstrap tenant is ensured and the URL and key are printed. Ctrl-C or
SIGTERM makes honcho stop every process."""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import subprocess
import sys
import threading
import time

import httpx
from honcho.manager import Manager

from tokaroo_cli.bootstrap import ensure_bootstrap_tenant
from tokaroo_cli.config import StackSettings
from tokaroo_cli.dbsetup import prepare_database
from tokaroo_cli.infra.specs import (
    ServerSpec,
    ensure_data_dir,
    postgres_initdb,
    postgres_spec,
)
from tokaroo_cli.infra.supervise import ManagedProcess
from tokaroo_cli.stack import StackLayout, infra_specs, research_spec, service_specs


def layout_from(settings: StackSettings) -> StackLayout:
    layout = StackLayout(
        home=settings.home.resolve(), edge_port=settings.port, nats_port=settings.nats_port,
        nats_monitor_port=settings.nats_monitor_port, valkey_port=settings.valkey_port,
        postgres_port=settings.postgres_port, simulator_port=settings.simulator_port,
        router_port=settings.router_grpc_port, cache_port=settings.cache_grpc_port,
        ledger_port=settings.ledger_grpc_port, log_level=settings.log_level,
        simulator_latency_ms=settings.simulator_latency_ms,
        bootstrap_credit_usd=settings.bootstrap_credit_usd)
    extra: dict[str, str] = {}
    if settings.openai_base_url:
        extra["TOKAROO_OPENAI_BASE_URL"] = settings.openai_base_url
        extra["TOKAROO_OPENAI_API_KEY"] = settings.openai_api_key or ""
    if settings.local_ai_base_url:
        extra["LOCAL_AI_BASE_URL"] = settings.local_ai_base_url
        extra["LOCAL_AI_API_KEY"] = settings.local_ai_api_key or "local"
        if settings.local_default_model:
            extra["LOCAL_DEFAULT_MODEL"] = settings.local_default_model
    return layout.with_env(**extra)


def prepare(layout: StackLayout) -> None:
    """initdb once, then migrations against a short-lived server (never on service start)."""
    layout.home.mkdir(parents=True, exist_ok=True)
    postgres_initdb(layout.pg_dir)
    with ManagedProcess(postgres_spec(layout.pg_dir, layout.postgres_port),
                        log_dir=layout.home / "logs", stop_signal=signal.SIGINT) as pg:
        pg.wait_ready_postgres(layout.admin_dsn, timeout=60)
        applied = asyncio.run(prepare_database(layout.admin_dsn, layout.postgres_dsn))
    for name in applied:
        print(f"[tokaroo] applied migration {name}", flush=True)


def _announce(layout: StackLayout, settings: StackSettings, manager: Manager) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{layout.edge_port}/readyz", timeout=1).status_code \
                    == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    else:
        print("[tokaroo] the edge did not become ready; see the logs above", flush=True)
        return
    _research_once(layout)
    key = asyncio.run(ensure_bootstrap_tenant(layout.ledger_addr, layout.home,
                                              settings.bootstrap_credit_usd,
                                              settings.bootstrap_api_key))
    print("\n[tokaroo] ready\n"
          f"[tokaroo]   base URL : {layout.base_url}\n"
          f"[tokaroo]   API key  : {key}\n"
          f"[tokaroo]   (saved in {layout.home / 'bootstrap-key'})\n"
          f"[tokaroo] try: curl {layout.base_url}/chat/completions -H "
          f"'Authorization: Bearer {key}' -H 'Content-Type: application/json' "
          "-d '{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}'\n",
          flush=True)


def _research_once(layout: StackLayout) -> None:
    """The market-research job, once at start-up (a weekly CronJob in Kubernetes): it
    publishes a validated pool snapshot that the router swaps in without a restart."""
    spec = research_spec(layout)
    result = subprocess.run(spec.argv, env={**os.environ, **spec.env}, capture_output=True,
                            text=True, timeout=300, check=False)
    verdict = "published a new model pool" if result.returncode == 0 else \
        f"kept the current model pool (exit {result.returncode}: {result.stderr.strip()[-300:]})"
    print(f"[tokaroo] research job {verdict}", flush=True)


def _command(spec: ServerSpec) -> str:
    return "exec " + shlex.join(spec.argv)


def run_up(settings: StackSettings) -> int:
    layout = layout_from(settings)
    prepare(layout)
    specs = infra_specs(layout) + service_specs(layout)
    if settings.openai_base_url:
        specs = [s for s in specs if s.name != "simulator"]
    manager = Manager()
    for spec in specs:
        ensure_data_dir(spec)
        env = {**os.environ, **spec.env}
        manager.add_process(spec.name, _command(spec), env=env,
                            cwd=str(spec.cwd) if spec.cwd else None)
    threading.Thread(target=_announce, args=(layout, settings, manager), daemon=True).start()
    manager.loop()
    return int(manager.returncode or 0)


def main() -> None:
    sys.exit(run_up(StackSettings()))
