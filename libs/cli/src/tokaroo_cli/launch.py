"""The one stack launcher, used by `tokaroo up` (`make run`), the end-to-end tests
(tests/harness.py) and bench: it runs a launch plan (tokaroo_cli.stack), stage by stage,
each process supervised (ManagedProcess: its own process group, its log in
`<home>/logs/<name>.log`) so callers can kill and restart any of them.

Before the first stage, `prepare` runs initdb once and the migrations against a short-lived
PostgreSQL (never on service start). After the NATS stage of a cluster, the event stream is
created with three replicas."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tokaroo_common.stream_setup import ensure_replicated_stream

from tokaroo_cli.dbsetup import prepare_database
from tokaroo_cli.infra.specs import postgres_initdb, postgres_spec
from tokaroo_cli.infra.supervise import ManagedProcess
from tokaroo_cli.stack import Launch, Ready, StackLayout, Stage, launch_plan


def prepare(layout: StackLayout, say: Callable[[str], None] = lambda _: None) -> list[str]:
    """initdb once, then migrations against a short-lived server. Returns what was applied."""
    layout.home.mkdir(parents=True, exist_ok=True)
    postgres_initdb(layout.pg_dir)
    with ManagedProcess(
        postgres_spec(layout.pg_dir, layout.postgres_port),
        log_dir=layout.home / "logs",
        stop_signal=signal.SIGINT,
    ) as pg:
        pg.wait_ready_postgres(layout.admin_dsn, timeout=60)
        applied = asyncio.run(prepare_database(layout.admin_dsn, layout.postgres_dsn))
    for name in applied:
        say(f"applied migration {name}")
    return applied


def wait_ready(proc: ManagedProcess, ready: Ready) -> None:
    if ready.kind == "http":
        proc.wait_ready_http(ready.target, ready.timeout_s)
    elif ready.kind == "grpc":
        proc.wait_ready_grpc(ready.target, ready.timeout_s)
    elif ready.kind == "redis":
        proc.wait_ready_redis(int(ready.target), ready.timeout_s)
    else:
        proc.wait_ready_postgres(ready.target, ready.timeout_s)


def managed(
    launch: Launch, log_dir: Path, base_env: Mapping[str, str] | None = None
) -> ManagedProcess:
    """A supervised process for one launch; every (re)start waits until it is ready.
    Services get `base_env` (default: this process's environment) under their own."""
    env = (dict(os.environ) if base_env is None else dict(base_env)) if launch.spec.env else None
    return ManagedProcess(
        launch.spec,
        log_dir,
        ready=lambda p: wait_ready(p, launch.ready),
        base_env=env,
        stop_signal=launch.stop_signal,
    )


def ensure_event_stream(nats_url: str, replicas: int, timeout_s: float = 60.0) -> None:
    asyncio.run(ensure_replicated_stream(nats_url, replicas, timeout_s))


def start_stages(
    layout: StackLayout,
    stages: list[Stage],
    procs: dict[str, ManagedProcess],
    *,
    base_env: Mapping[str, str] | None = None,
) -> None:
    """Start every stage in order; the processes of one stage start side by side. Each
    started process is added to `procs` at once, so the caller can stop it on a failure."""
    log_dir = layout.home / "logs"
    for stage in stages:
        batch = [managed(launch, log_dir, base_env) for launch in stage.launches]
        for proc in batch:
            procs[proc.spec.name] = proc
        with ThreadPoolExecutor(
            max_workers=max(1, len(batch)), thread_name_prefix="launch"
        ) as pool:
            for future in [pool.submit(proc.start) for proc in batch]:
                future.result()
        if stage.stream_replicas:
            ensure_event_stream(layout.nats_url, stage.stream_replicas)


def stop_all(procs: Mapping[str, ManagedProcess]) -> None:
    """Stop in reverse start order (the edges first, the infra last)."""
    for proc in reversed(list(procs.values())):
        proc.stop()


@contextlib.contextmanager
def launched(
    layout: StackLayout,
    *,
    simulator: bool = True,
    base_env: Mapping[str, str] | None = None,
    say: Callable[[str], None] = lambda _: None,
) -> Iterator[dict[str, ManagedProcess]]:
    """prepare, start the whole plan, yield the processes by name, stop them all at exit."""
    prepare(layout, say)
    procs: dict[str, ManagedProcess] = {}
    try:
        start_stages(layout, launch_plan(layout, simulator=simulator), procs, base_env=base_env)
        yield procs
    finally:
        stop_all(procs)


def run_until_signal(
    procs: Mapping[str, ManagedProcess], stop: threading.Event, poll_s: float = 0.5
) -> int:
    """Block until `stop` is set (Ctrl-C, SIGTERM) or a process exits on its own; returns 0,
    or the exit code of the process that died (its log tail is printed)."""
    while not stop.wait(poll_s):
        for proc in procs.values():
            if not proc.running:
                print(
                    f"[tokaroo] {proc.spec.name} exited with {proc.returncode}; last lines "
                    f"of {proc.log_path}:\n{proc.log_tail(2000)}",
                    flush=True,
                )
                return int(proc.returncode or 1)
    return 0
