"""Start, stop, kill and restart server processes for tests and tools.

`ManagedProcess` runs one ServerSpec in its own process group, output appended to
`<log_dir>/<name>.log`. `running_servers` starts NATS, Valkey and PostgreSQL on free ports
under one directory and stops them all at exit.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from tokaroo_cli.infra import ready
from tokaroo_cli.infra.errors import InfraError, ProcessExitedError
from tokaroo_cli.infra.ports import free_port
from tokaroo_cli.infra.specs import (
    ServerSpec,
    ensure_data_dir,
    nats_spec,
    postgres_initdb,
    postgres_spec,
    valkey_spec,
)


class ManagedProcess:
    """One supervised server process.

    `ready`, if given, is called with this object after every start/restart and must block
    until the server answers (e.g. `lambda p: p.wait_ready_redis(port)`).
    `env`: None with an empty spec.env inherits the parent's environment; otherwise the child
    gets exactly `{**(base_env or {}), **spec.env}`."""

    def __init__(
        self,
        spec: ServerSpec,
        log_dir: Path,
        *,
        ready: Callable[[ManagedProcess], None] | None = None,
        stop_signal: signal.Signals = signal.SIGTERM,
        stop_timeout: float = 10.0,
        base_env: Mapping[str, str] | None = None,
    ) -> None:
        self.spec = spec
        self.log_dir = log_dir
        self.log_path = log_dir / f"{spec.name}.log"
        self._ready = ready
        self._stop_signal = stop_signal
        self._stop_timeout = stop_timeout
        self._base_env = base_env
        self._proc: subprocess.Popen[bytes] | None = None

    # ---- state ---------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def returncode(self) -> int | None:
        return self._proc.poll() if self._proc else None

    def log_tail(self, max_chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-max_chars:]
        except FileNotFoundError:
            return ""

    # ---- lifecycle -----------------------------------------------------------------------

    def _env(self) -> dict[str, str] | None:
        if self._base_env is None and not self.spec.env:
            return None
        return {**(self._base_env or {}), **self.spec.env}

    def start(self) -> ManagedProcess:
        if self.running:
            raise InfraError(f"{self.spec.name} is already running (pid {self.pid})")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        ensure_data_dir(self.spec)
        with open(self.log_path, "ab") as log:
            self._proc = subprocess.Popen(
                self.spec.argv,
                cwd=self.spec.cwd,
                env=self._env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if self._ready is not None:
            try:
                self._ready(self)
            except BaseException:
                self.stop()
                raise
        return self

    def _signal_group(self, sig: signal.Signals) -> None:
        assert self._proc is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._proc.pid, sig)

    def _wait_group_gone(self, timeout: float = 10.0) -> None:
        """Wait until no process of the group is left (a killed postmaster's backends hold
        its shared memory for a moment; a restart before they are gone fails)."""
        assert self._proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(self._proc.pid, 0)
            except ProcessLookupError:
                return
            except PermissionError:
                return
            time.sleep(0.02)

    def stop(self, timeout: float | None = None) -> int | None:
        """Send the stop signal to the process group, wait up to `timeout` seconds (default
        stop_timeout), then SIGKILL. Returns the exit code (None if never started)."""
        if self._proc is None:
            return None
        if self._proc.poll() is None:
            self._signal_group(self._stop_signal)
            try:
                self._proc.wait(self._stop_timeout if timeout is None else timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self._proc.wait()
        self._signal_group(signal.SIGKILL)  # stragglers left in the group
        self._wait_group_gone()
        return self._proc.returncode

    def kill(self) -> None:
        """SIGKILL the whole group at once, no shutdown (crash tests)."""
        if self._proc is None:
            return
        self._signal_group(signal.SIGKILL)
        self._proc.wait()
        self._wait_group_gone()

    def restart(self) -> ManagedProcess:
        self.stop()
        return self.start()

    def __enter__(self) -> ManagedProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ---- readiness (fail fast if the process dies) ----------------------------------------

    def _alive(self) -> bool:
        return self.running

    def _guard(self, wait: Callable[[], None]) -> None:
        try:
            wait()
        except ProcessExitedError as e:
            raise ProcessExitedError(
                f"{self.spec.name} exited with {self.returncode}; "
                f"log {self.log_path}:\n{self.log_tail()}"
            ) from e

    def wait_ready_http(self, url: str, timeout: float = 30.0) -> None:
        self._guard(lambda: ready.wait_http_sync(url, timeout, alive=self._alive))

    def wait_ready_tcp(self, port: int, timeout: float = 30.0, host: str = "127.0.0.1") -> None:
        self._guard(lambda: ready.wait_tcp_sync(host, port, timeout, alive=self._alive))

    def wait_ready_redis(self, port: int, timeout: float = 30.0) -> None:
        self._guard(lambda: ready.wait_redis_sync(port, timeout, alive=self._alive))

    def wait_ready_postgres(self, dsn: str, timeout: float = 60.0) -> None:
        self._guard(lambda: ready.wait_postgres_sync(dsn, timeout, alive=self._alive))

    def wait_ready_grpc(self, addr: str, timeout: float = 60.0) -> None:
        self._guard(lambda: ready.wait_grpc_sync(addr, timeout, alive=self._alive))


@dataclass(frozen=True)
class Servers:
    """What `running_servers` started. A URL property raises if its server was not asked for."""

    base_dir: Path
    nats: ManagedProcess | None
    valkey: ManagedProcess | None
    postgres: ManagedProcess | None
    nats_port: int = 0
    nats_monitor_port: int = 0
    valkey_port: int = 0
    postgres_port: int = 0

    @staticmethod
    def _need(port: int, what: str) -> int:
        if not port:
            raise InfraError(f"{what} was not started")
        return port

    @property
    def nats_url(self) -> str:
        return f"nats://127.0.0.1:{self._need(self.nats_port, 'nats')}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self._need(self.valkey_port, 'valkey')}/0"

    @property
    def postgres_dsn(self) -> str:
        return (
            f"postgresql://postgres@127.0.0.1:{self._need(self.postgres_port, 'postgres')}/postgres"
        )


@contextlib.contextmanager
def running_servers(
    base_dir: Path,
    *,
    nats: bool = True,
    valkey: bool = True,
    postgres: bool = True,
    valkey_persist: bool = False,
    postgres_settings: Mapping[str, str] | None = None,
    ready_timeout: float = 60.0,
) -> Iterator[Servers]:
    """Start the requested servers on free ports, state under base_dir/{nats,valkey,postgres},
    logs under base_dir/logs; yield once all answer; stop them all at exit (PostgreSQL with
    SIGINT, its fast shutdown). Keep base_dir short: the PostgreSQL unix socket lives in its
    data directory and socket paths are limited to 107 bytes."""
    base_dir = base_dir.absolute()
    logs = base_dir / "logs"
    with contextlib.ExitStack() as stack:
        nats_proc = valkey_proc = pg_proc = None
        nats_port = monitor_port = valkey_port = pg_port = 0
        if nats:
            nats_port, monitor_port = free_port(), free_port()
            health = f"http://127.0.0.1:{monitor_port}/healthz?js-enabled-only=true"
            nats_proc = stack.enter_context(
                ManagedProcess(
                    nats_spec(base_dir / "nats", nats_port, monitor_port),
                    logs,
                    ready=lambda p: p.wait_ready_http(health, ready_timeout),
                )
            )
        if valkey:
            valkey_port = free_port()
            vport = valkey_port
            valkey_proc = stack.enter_context(
                ManagedProcess(
                    valkey_spec(base_dir / "valkey", vport, valkey_persist),
                    logs,
                    ready=lambda p: p.wait_ready_redis(vport, ready_timeout),
                )
            )
        if postgres:
            pg_port = free_port()
            pg_dir = base_dir / "postgres"
            postgres_initdb(pg_dir)
            dsn = f"postgresql://postgres@127.0.0.1:{pg_port}/postgres"
            pg_proc = stack.enter_context(
                ManagedProcess(
                    postgres_spec(pg_dir, pg_port, settings=postgres_settings),
                    logs,
                    stop_signal=signal.SIGINT,
                    ready=lambda p: p.wait_ready_postgres(dsn, ready_timeout),
                )
            )
        yield Servers(
            base_dir, nats_proc, valkey_proc, pg_proc, nats_port, monitor_port, valkey_port, pg_port
        )
