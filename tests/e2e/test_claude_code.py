"""Claude Code (headless `claude -p`) through Tokaroo's Messages API: it checks the gateway
(`HEAD /api/hello`), sends `POST /v1/messages?beta=true` with x-api-key, its beta headers,
about 25 tools and a long system prompt, reads a file with its Read tool (one tool call),
then answers from the tool result; with a Claude model id and with the virtual models.
Claude Code is installed by tests/e2e/claude_code_tools.py."""

from __future__ import annotations

import subprocess
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from tests.e2e.claude_code_tools import ClaudeCode, content_blocks, install_claude_code
from tests.e2e.test_docs_snippets import blocks
from tests.harness import Stack


@pytest.fixture(scope="module")
def claude_root() -> Path:
    return install_claude_code()


def _wait_below(stack: Stack, key: str, before: Decimal, timeout: float = 20) -> Decimal:
    deadline = time.monotonic() + timeout
    while (now := stack.balance(key)) >= before and time.monotonic() < deadline:
        time.sleep(0.2)
    return now


@pytest.mark.parametrize("model", ["claude-sonnet-4-6", "auto", "fast", "max"])
def test_claude_code_reads_a_file_through_tokaroo(
    stack: Stack, claude_root: Path, model: str
) -> None:
    key = stack.new_tenant_key("5", name="claude-code")
    secret = f"PAPAYA-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="tk-claude-") as tmp:
        home, work = Path(tmp) / "home", Path(tmp) / "work"
        home.mkdir()
        work.mkdir()
        path = work / "secret.txt"
        path.write_text(f"The secret word is {secret}.\n")
        claude = ClaudeCode(claude_root, home, stack.base_url.removesuffix("/v1"), key)
        before = stack.balance(key)
        proc, lines = claude.prompt(
            f"Read the file {path} and tell me the secret word.", model, work
        )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
    calls = [b for b in content_blocks(lines, "assistant") if b.get("type") == "tool_use"]
    assert [(c["name"], c["input"].get("file_path")) for c in calls] == [("Read", str(path))]
    (result,) = [b for b in content_blocks(lines, "user") if b.get("type") == "tool_result"]
    assert result["tool_use_id"] == calls[0]["id"] and not result.get("is_error"), result
    assert secret in str(result["content"])
    final = lines[-1]
    assert final["type"] == "result" and final["subtype"] == "success", final
    assert final["is_error"] is False and final["num_turns"] == 2 and final["result"]
    assert "There's an issue with the selected model" not in proc.stdout + proc.stderr
    assert _wait_below(stack, key, before) < before, "the prompts were billed through Tokaroo"


def test_claude_code_names_an_unknown_model(stack: Stack, claude_root: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="tk-claude-") as tmp:
        claude = ClaudeCode(
            claude_root, Path(tmp), stack.base_url.removesuffix("/v1"), stack.api_key
        )
        proc, _ = claude.prompt("Say hello.", "no-such-model-9", Path(tmp), timeout=120)
    assert proc.returncode != 0
    assert "There's an issue with the selected model" in proc.stdout + proc.stderr


def test_the_guides_claude_code_block(stack: Stack, claude_root: Path) -> None:
    """docs/clients/anthropic.md's Claude Code commands, as written, with Claude Code."""
    (block,) = [b for b in blocks("anthropic") if b.lang == "sh"]
    key = stack.new_tenant_key("5", name="claude-code-doc")
    with tempfile.TemporaryDirectory(prefix="tk-claude-") as tmp:
        home, work = Path(tmp) / "home", Path(tmp) / "work"
        home.mkdir()
        work.mkdir()
        (work / "README.md").write_text("# Demo\nA demo project for the Tokaroo guide.\n")
        claude = ClaudeCode(claude_root, home, "", "")
        env = {**claude.env, "TOKAROO_BASE_URL": stack.base_url, "TOKAROO_API_KEY": key}
        proc = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block.code],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    assert proc.returncode == 0 and proc.stdout.strip(), proc.stdout + proc.stderr
    assert _wait_below(stack, key, Decimal("5")) < Decimal("5")
