"""Running Node and npm from the e2e suite: the tokaroo JS SDK build and tests/e2e/node."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
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
        pytest.skip(f"{' and '.join(missing)} not found on PATH: the JavaScript tests need "
                    "Node >= 20 with npm")


def run(cmd: list[str], cwd: Path, *, env: dict[str, str] | None = None,
        timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `cmd`; fail the test with its output when it exits non-zero."""
    full_env = {**os.environ, "npm_config_audit": "false", "npm_config_fund": "false",
                "npm_config_update_notifier": "false", **(env or {})}
    proc = subprocess.run(cmd, cwd=cwd, env=full_env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} (in {cwd}) exited {proc.returncode}\n"
                    f"--- stdout ---\n{proc.stdout[-8000:]}\n--- stderr ---\n{proc.stderr[-8000:]}")
    return proc


@functools.cache
def build_sdk_js() -> Path:
    """`npm ci && npm run build` in sdks/js, once per session."""
    require_node()
    run(["npm", "ci", "--no-audit", "--no-fund"], SDK_JS)
    run(["npm", "run", "build"], SDK_JS)
    return SDK_JS


@functools.cache
def install_node_clients() -> Path:
    """tests/e2e/node: the official `openai` package and the local `tokaroo` SDK (built)."""
    build_sdk_js()
    run(["npm", "ci", "--no-audit", "--no-fund"], NODE_DIR)
    return NODE_DIR


def stack_env(stack: Stack, key: str) -> dict[str, str]:
    """The variables the SDKs, snippets and scripts read to reach the test stack."""
    return {"TOKAROO_BASE_URL": stack.base_url, "TOKAROO_API_KEY": key, "TOKAROO_KEY": key,
            "OPENAI_BASE_URL": stack.base_url, "OPENAI_API_KEY": key}
