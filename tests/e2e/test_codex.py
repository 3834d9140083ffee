"""Codex CLI (`@openai/codex`) through Tokaroo's Responses API: `codex exec` completes a task
that needs one tool call (the model asks for a shell command, Codex runs it and sends the
output, the model answers), streamed over `POST /v1/responses` with `model: "auto"`. Codex is
installed by tests/e2e/codex_tools.py."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.codex_tools import Codex, install_codex
from tests.harness import Stack

TOOL_RESULT_MARK = "based on the tool result"


@pytest.fixture(scope="module")
def codex_root() -> Path:
    return install_codex()


def _usage(stack: Stack, key: str, at_least: int, timeout: float = 20) -> list[dict[str, object]]:
    deadline = time.monotonic() + timeout
    while True:
        data: list[dict[str, object]] = httpx.get(
            f"{stack.base_url}/usage", headers={"Authorization": f"Bearer {key}"}, timeout=10
        ).json()["data"]
        if len(data) >= at_least or time.monotonic() > deadline:
            return data
        time.sleep(0.2)


def test_codex_exec_completes_a_task_with_one_tool_call(
    stack: Stack, codex_root: Path, tmp_path: Path
) -> None:
    key = stack.new_tenant_key("2", name="codex")
    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text("The launch code is 4417.\n")
    codex = Codex(codex_root, tmp_path / "home", key, stack.base_url)
    proc = codex.exec("Run `cat notes.txt` in this directory and tell me what it says.", work)
    out = proc.stdout + proc.stderr
    assert "exec" in out, out[-3000:]  # Codex ran the command the model asked for
    assert TOOL_RESULT_MARK in proc.stdout, out[-3000:]  # and the answer came after its output
    usage = _usage(stack, key, 2)
    assert len(usage) == 2, usage  # one tool call, then the answer: no retries, no loop
