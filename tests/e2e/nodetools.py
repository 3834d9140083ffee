"""Running Node and npm from the e2e suite: the tokaroo JS SDK build and tests/e2e/node.

Several pytest sessions may run on one checkout at once (engineers, CI jobs, `make test` next
to a single file). `npm ci` starts by deleting node_modules, so one session's install used to
pull `openai` out from under another session's running Node script (ERR_MODULE_NOT_FOUND) or
collide with its install (ENOTEMPTY). Installs now take a lock per directory, shared by all
processes, and are skipped when node_modules was installed from the same package.json and
lock file; builds take the same lock."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import Stack

REPO = Path(__file__).resolve().parents[2]
SDK_JS = REPO / "sdks" / "js"
NODE_DIR = Path(__file__).resolve().parent / "node"


def require_node() -> None:
    """Skip (with the reason) where Node or npm is not installed."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        pytest.skip(
            f"{' and '.join(missing)} not found on PATH: the JavaScript tests need "
            "Node >= 20 with npm"
        )


def run(
    cmd: list[str], cwd: Path, *, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run `cmd`; fail the test with its output when it exits non-zero."""
    full_env = {
        **os.environ,
        "npm_config_audit": "false",
        "npm_config_fund": "false",
        "npm_config_update_notifier": "false",
        **(env or {}),
    }
    proc = subprocess.run(
        cmd, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        pytest.fail(
            f"{' '.join(cmd)} (in {cwd}) exited {proc.returncode}\n"
            f"--- stdout ---\n{proc.stdout[-8000:]}\n--- stderr ---\n{proc.stderr[-8000:]}"
        )
    return proc


INSTALL_STAMP = ".tokaroo-installed"  # in node_modules: the digest it was installed from


@contextlib.contextmanager
def npm_lock(directory: Path) -> Iterator[None]:
    """Exclusive, across processes, for npm work in `directory` (released if one dies)."""
    digest = hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"tokaroo-npm-{digest}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _manifest_digest(directory: Path) -> str:
    h = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        h.update(name.encode() + b"\0" + (directory / name).read_bytes() + b"\0")
    return h.hexdigest()


def npm_ci(directory: Path) -> None:
    """`npm ci` in `directory` unless its node_modules already holds that lock file's tree.
    Call it with `npm_lock(directory)` held."""
    stamp = directory / "node_modules" / INSTALL_STAMP
    digest = _manifest_digest(directory)
    if stamp.is_file() and stamp.read_text() == digest:
        return
    run(["npm", "ci", "--no-audit", "--no-fund"], directory)
    stamp.write_text(digest)  # npm ci deletes node_modules first: no stale stamp survives


@functools.cache
def build_sdk_js() -> Path:
    """`npm ci && npm run build` in sdks/js, once per session."""
    require_node()
    with npm_lock(SDK_JS):
        npm_ci(SDK_JS)
        run(["npm", "run", "build"], SDK_JS)
    return SDK_JS


@functools.cache
def install_node_clients() -> Path:
    """tests/e2e/node: the official `openai` package and the local `tokaroo` SDK (built; a
    symlink to sdks/js, so a rebuild needs no reinstall)."""
    build_sdk_js()
    with npm_lock(NODE_DIR):
        npm_ci(NODE_DIR)
    return NODE_DIR


def stack_env(stack: Stack, key: str) -> dict[str, str]:
    """The variables the SDKs, snippets and scripts read to reach the test stack."""
    return {
        "TOKAROO_BASE_URL": stack.base_url,
        "TOKAROO_API_KEY": key,
        "TOKAROO_KEY": key,
        "OPENAI_BASE_URL": stack.base_url,
        "OPENAI_API_KEY": key,
    }
