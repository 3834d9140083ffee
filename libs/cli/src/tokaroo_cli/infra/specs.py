"""Server processes as data: argv, environment, working directory.

The builders are pure (apart from locating a binary when none is given): the launcher
(tokaroo_cli.launch) runs them with `ManagedProcess` for `tokaroo up`, the tests and bench.
Data directories are not created here: `ensure_data_dir` (NATS, Valkey; it also writes a
spec's `files`, e.g. HAProxy's configuration) or `postgres_initdb` (PostgreSQL) before the
process starts.

PostgreSQL refuses to run as root, so when we are root its commands are wrapped in
`setpriv --reuid nobody --regid nogroup --clear-groups --`. Unlike `runuser`, setpriv execs the
command in place: no supervising parent that turns SIGTERM into SIGKILL two seconds later, and
signals reach the postmaster directly.
"""

from __future__ import annotations

import os
import pwd
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tokaroo_cli.infra import binaries
from tokaroo_cli.infra.errors import InitdbError

UNPRIVILEGED_USER = "nobody"
UNPRIVILEGED_GROUP = "nogroup"


@dataclass(frozen=True)
class ServerSpec:
    """One process to run. `data_dir`, when set, is the directory the server keeps its state
    in (it must exist before start)."""

    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path | None
    data_dir: Path | None = None
    files: tuple[tuple[Path, str], ...] = ()  # (path, text) written before each start


def running_as_root() -> bool:
    return os.geteuid() == 0


def drop_privileges_prefix() -> list[str]:
    return [
        "setpriv",
        f"--reuid={UNPRIVILEGED_USER}",
        f"--regid={UNPRIVILEGED_GROUP}",
        "--clear-groups",
        "--",
    ]


def _as_user(argv: list[str], unprivileged: bool | None) -> list[str]:
    drop = running_as_root() if unprivileged is None else unprivileged
    return drop_privileges_prefix() + argv if drop else argv


def nats_spec(
    data_dir: Path,
    port: int,
    monitor_port: int,
    *,
    binary: Path | None = None,
    name: str = "nats",
    cluster: tuple[str, int, list[str]] | None = None,
) -> ServerSpec:
    """nats-server with JetStream, storing in data_dir, listening on 127.0.0.1 only.
    `cluster=(cluster_name, route_port, routes)` makes it one node of a cluster: it listens
    for routes on route_port and dials every URL in `routes` (its own is skipped)."""
    exe = binary or binaries.nats_server()
    argv = [
        str(exe),
        "-js",
        "-sd",
        str(data_dir),
        "-a",
        "127.0.0.1",
        "-p",
        str(port),
        "-m",
        str(monitor_port),
    ]
    if cluster is not None:
        cluster_name, route_port, routes = cluster
        own = f"nats://127.0.0.1:{route_port}"
        argv += [
            "-n",
            name,
            "--cluster_name",
            cluster_name,
            "--cluster",
            own,
            "--routes",
            ",".join(r for r in routes if r != own),
        ]
    return ServerSpec(name, argv, {}, None, data_dir)


def valkey_spec(
    data_dir: Path, port: int, persist: bool, *, binary: Path | None = None, name: str = "valkey"
) -> ServerSpec:
    """valkey-server on 127.0.0.1; persist=True turns the append-only file on (no RDB
    snapshots either way)."""
    exe = binary or binaries.valkey_server()
    argv = [
        str(exe),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(data_dir),
        "--save",
        "",
        "--appendonly",
        "yes" if persist else "no",
        "--daemonize",
        "no",
    ]
    return ServerSpec(name, argv, {}, None, data_dir)


def postgres_spec(
    data_dir: Path,
    port: int,
    *,
    bin_dir: Path | None = None,
    settings: Mapping[str, str] | None = None,
    unprivileged: bool | None = None,
    name: str = "postgres",
) -> ServerSpec:
    """The postmaster in the foreground on 127.0.0.1:port, unix socket in data_dir.
    `settings` become `-c key=value`; `unprivileged=None` means "drop to nobody if root"."""
    exe = (bin_dir or binaries.postgres_bin_dir()) / "postgres"
    argv = [str(exe), "-D", str(data_dir), "-p", str(port), "-h", "127.0.0.1", "-k", str(data_dir)]
    for key, value in (settings or {}).items():
        argv += ["-c", f"{key}={value}"]
    return ServerSpec(name, _as_user(argv, unprivileged), {}, data_dir, data_dir)


def initdb_argv(
    data_dir: Path, *, bin_dir: Path | None = None, unprivileged: bool | None = None
) -> list[str]:
    exe = (bin_dir or binaries.postgres_bin_dir()) / "initdb"
    argv = [
        str(exe),
        "-D",
        str(data_dir),
        "-U",
        "postgres",
        "--auth=trust",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-instructions",
    ]
    return _as_user(argv, unprivileged)


def ensure_data_dir(spec: ServerSpec) -> None:
    """Create spec.data_dir (and parents) if it is missing, write spec.files. I/O."""
    if spec.data_dir is not None:
        spec.data_dir.mkdir(parents=True, exist_ok=True)
    for path, text in spec.files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _grant_traverse(path: Path) -> None:
    """Let others cross (not list) every ancestor of path, so the unprivileged user can reach
    its data directory."""
    for parent in path.parents:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            os.chmod(parent, (mode & 0o7777) | 0o001)


def postgres_initdb(
    data_dir: Path, *, bin_dir: Path | None = None, unprivileged: bool | None = None
) -> bool:
    """Create a cluster in data_dir unless one is there (PG_VERSION exists). Idempotent. I/O.

    As root: data_dir is owned by nobody:nogroup, mode 0700, every ancestor gets o+x
    (traverse only), and initdb runs as nobody. Returns True when a cluster was created."""
    data_dir = data_dir.absolute()
    if (data_dir / "PG_VERSION").exists():
        return False
    drop = running_as_root() if unprivileged is None else unprivileged
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    if drop:
        user = pwd.getpwnam(UNPRIVILEGED_USER)
        os.chown(data_dir, user.pw_uid, user.pw_gid)
        _grant_traverse(data_dir)
    os.chmod(data_dir, 0o700)
    result = subprocess.run(
        initdb_argv(data_dir, bin_dir=bin_dir, unprivileged=drop),
        cwd=data_dir,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise InitdbError(
            f"initdb -D {data_dir} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )
    return True
