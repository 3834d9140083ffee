"""The edge on every core: several worker processes serving one port.

The parent binds one listening socket per worker on the same address with SO_REUSEPORT (the
kernel spreads new connections over the sockets evenly; with one shared accept queue a worker
can take a whole burst of keep-alive connections), starts each worker with multiprocessing's
spawn (a fresh interpreter: no gRPC, NATS or event-loop state is forked) and keeps them
running. A worker that dies is started again with the same index on the same socket, so the
connections that arrived meanwhile wait in its queue and it replays the outbox journal its
predecessor left. SIGTERM or SIGINT: every worker gets SIGTERM (each finishes its requests and
streams and flushes its outbox), the parent closes its copies of the listening sockets at
once (so a draining edge refuses new connections), waits for the workers and exits 0. A
worker that dies within `START_WINDOW_S` of its start (bad settings, NATS unreachable) stops
them all: the parent exits with its code, as a single edge would.

Each worker has its own outbox journal and spill file (`worker_settings`). Metrics use
prometheus_client's multiprocess mode, not a metrics port per worker: the edge stays one
scrape target on its own port (a Kubernetes pod, the tests, the soak and the bench read
/metrics there), counters and histograms are summed exactly over the workers, restarted ones
included (a dead worker's files stay), and no port per worker has to be allocated and
documented. The price: the values read at scrape time (process, event-loop tasks, open
breakers, outbox queue) are those of the worker that answered the scrape."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from multiprocessing.connection import wait
from multiprocessing.context import SpawnProcess
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn
from prometheus_client import multiprocess
from tokaroo_common.logs import setup_logging
from tokaroo_common.telemetry import setup_tracing, shutdown_tracing

from tokaroo_edge.config import EdgeSettings
from tokaroo_edge.corked import CorkedHttpToolsProtocol

log = logging.getLogger(__name__)

START_WINDOW_S = 10.0  # a worker dead this soon after its start stops the edge
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # read by prometheus_client when it is imported
_PR_SET_PDEATHSIG = 1


def worker_count(setting: int) -> int:
    """`TOKAROO_EDGE_WORKERS`, 0 meaning one per core this process may run on."""
    return setting if setting > 0 else max(1, len(os.sched_getaffinity(0)))


def worker_settings(settings: EdgeSettings, index: int, metrics_dir: Path) -> EdgeSettings:
    """Worker `index`'s settings: worker 0 keeps the configured outbox journal and spill file
    (one worker is the edge as it always ran), worker i a `worker-<i>` sibling of each."""
    update: dict[str, Any] = {"metrics_multiproc_dir": metrics_dir, "edge_workers": 1}
    if index > 0 and settings.outbox_journal_dir is not None:
        update["outbox_journal_dir"] = settings.outbox_journal_dir / f"worker-{index}"
    if index > 0 and settings.outbox_spill_path is not None:
        spill = settings.outbox_spill_path
        update["outbox_spill_path"] = spill.with_name(f"{spill.stem}-worker-{index}{spill.suffix}")
    return settings.model_copy(update=update)


def listening_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


class _WorkerServer(uvicorn.Server):
    """A Ctrl-C reaches the whole process group, then the parent's SIGTERM follows: uvicorn
    would take that second signal as "exit now". A worker treats SIGINT as SIGTERM, so it
    always stops gracefully (SIGKILL is the way to stop it at once)."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(signal.SIGTERM if sig == signal.SIGINT else sig, frame)


def serve(settings: EdgeSettings, sock: socket.socket | None = None) -> None:
    """Serve the edge in this process: on `settings`' address, or on `sock` (a worker)."""
    from tokaroo_edge.app import create_app  # after PROMETHEUS_MULTIPROC_DIR is in place

    setup_logging("edge", settings.log_level)
    # The upstream calls trace themselves (providers/transport.py): the edge has no httpx
    # client left for `instrument_httpx` to instrument.
    tracing = setup_tracing("edge", settings)
    config = uvicorn.Config(
        create_app(settings, tracer_provider=tracing),
        host=settings.bind_host,
        port=settings.port,
        loop="uvloop",
        http=CorkedHttpToolsProtocol,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=int(settings.shutdown_grace_s),
        timeout_keep_alive=settings.http_keep_alive_s,
    )
    try:
        if sock is None:
            uvicorn.Server(config).run()
        else:
            _WorkerServer(config).run(sockets=[sock])
    finally:
        shutdown_tracing(tracing)


def exit_cleanly(signum: int, frame: FrameType | None) -> None:
    """uvicorn handles SIGTERM (stop accepting, finish in-flight requests and streams, run the
    lifespan shutdown that flushes the event outbox), then re-raises it to the handler it
    found: this one makes a graceful stop exit 0 instead of "killed by SIGTERM"."""
    sys.exit(0)


def _worker_main(settings: EdgeSettings, sock: socket.socket) -> None:
    """A worker's entry point (spawned): it dies with its parent, then serves."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    signal.signal(signal.SIGTERM, exit_cleanly)
    serve(settings, sock)


class Supervisor:
    """The parent of `count` workers (see the module docstring)."""

    def __init__(self, settings: EdgeSettings, count: int) -> None:
        self._settings = settings
        self._count = count
        self._stopping = False
        self._sockets: list[socket.socket] = []
        self._spawn = multiprocessing.get_context("spawn")

    def run(self) -> int:
        metrics_dir = Path(tempfile.mkdtemp(prefix="tokaroo-edge-metrics-"))
        os.environ[MULTIPROC_ENV] = str(metrics_dir)  # the workers' prometheus_client reads it
        sockets = self._sockets = [
            listening_socket(self._settings.bind_host, self._settings.port)
            for _ in range(self._count)
        ]
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        procs: list[tuple[SpawnProcess, float]] = []
        code = 0
        try:
            for i, sock in enumerate(sockets):
                procs.append(self._start(i, sock, metrics_dir))
            log.info("edge workers started", extra={"workers": self._count})
            while not self._stopping:
                wait([p.sentinel for p, _ in procs], timeout=0.5)
                for i, (proc, started) in enumerate(procs):
                    if proc.is_alive() or self._stopping:
                        continue
                    if proc.pid is not None:
                        multiprocess.mark_process_dead(proc.pid, str(metrics_dir))  # type: ignore[no-untyped-call]
                    if time.monotonic() - started < START_WINDOW_S:
                        log.error(
                            "edge worker died at start",
                            extra={"worker": i, "exitcode": proc.exitcode},
                        )
                        code = proc.exitcode or 1
                        self._stopping = True
                        break
                    log.warning(
                        "edge worker died; starting it again",
                        extra={"worker": i, "exitcode": proc.exitcode},
                    )
                    procs[i] = self._start(i, sockets[i], metrics_dir)
        finally:
            self._stop_all([p for p, _ in procs])
            for sock in sockets:
                sock.close()
            shutil.rmtree(metrics_dir, ignore_errors=True)
        return code

    def _start(
        self, index: int, sock: socket.socket, metrics_dir: Path
    ) -> tuple[SpawnProcess, float]:
        proc = self._spawn.Process(
            target=_worker_main,
            args=(worker_settings(self._settings, index, metrics_dir), sock),
            name=f"edge-worker-{index}",
        )
        proc.start()
        return proc, time.monotonic()

    def _stop_all(self, procs: list[SpawnProcess]) -> None:
        for proc in procs:
            if proc.is_alive() and proc.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + self._settings.shutdown_grace_s + 10
        for proc in procs:
            proc.join(timeout=max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stopping = True
        for sock in self._sockets:  # the workers close theirs as they start draining
            sock.close()
