"""The repository stays clean under its linter and its type checker (both configured in the
root pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ruff_check_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _typed_folders() -> list[str]:
    """The folders `make typecheck` checks (the Makefile's TYPED line), so both agree."""
    for line in (ROOT / "Makefile").read_text().splitlines():
        if line.startswith("TYPED = "):
            return line.removeprefix("TYPED = ").split()
    raise AssertionError("the Makefile has no TYPED line")


def test_mypy_strict_is_clean(tmp_path: Path) -> None:
    folders = _typed_folders()
    assert "services/edge/src" in folders and all((ROOT / f).is_dir() for f in folders)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path), *folders],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_applied() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
