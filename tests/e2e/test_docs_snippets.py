"""Every fenced code block of the client guides (docs/clients/*.md), run against the stack.

Blocks read the stack through TOKAROO_BASE_URL / TOKAROO_API_KEY. `python` blocks run with this
interpreter, `js` blocks as ES modules beside tests/e2e/node (the official `openai` package and
the `tokaroo` SDK), `bash` blocks with bash. A fence marked `norun` (```bash norun) may only
hold install commands. openclaw.md's configurations and commands run with OpenClaw (slow),
responses.md's Codex config.toml with Codex (tests/e2e/test_codex.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e import reference
from tests.e2e.nodetools import install_node_clients, require_node, stack_env
from tests.e2e.openclaw_tools import OpenClaw, install_openclaw
from tests.harness import Stack

DOCS = reference.REPO / "docs" / "clients"
GUIDES = (
    "openai-python",
    "openai-node",
    "tokaroo-js",
    "tokaroo-python",
    "curl",
    "openclaw",
    "responses",
    "anthropic",
)
# Configuration files, run by the client they configure: responses.md's Codex config.toml
# is the one tests/e2e/test_codex.py gives Codex; anthropic.md's Claude Code commands (`sh`)
# are run with Claude Code by tests/e2e/test_claude_code.py.
CONFIG_LANGS = {"responses": "toml", "anthropic": "sh"}
FENCE = re.compile(r"^```([\w+-]*)([^\n]*)\n(.*?)^```\s*$", re.M | re.S)
RUNNERS = {"python", "js", "bash"}


@dataclass(frozen=True)
class Block:
    doc: str
    index: int
    lang: str
    norun: bool
    code: str

    @property
    def id(self) -> str:
        return f"{self.doc}#{self.index}-{self.lang}"


def blocks(doc: str) -> list[Block]:
    text = (DOCS / f"{doc}.md").read_text(encoding="utf-8")
    return [
        Block(doc, i, m.group(1), "norun" in m.group(2).split(), m.group(3))
        for i, m in enumerate(FENCE.finditer(text))
    ]


RUNNABLE = [
    b
    for doc in GUIDES
    if doc != "openclaw"
    for b in blocks(doc)
    if not b.norun and b.lang != CONFIG_LANGS.get(doc)
]


def test_every_guide_exists_and_every_block_is_run() -> None:
    for doc in GUIDES:
        found = blocks(doc)
        assert found, f"{doc}.md has no code block"
        for b in found:
            if b.norun:
                lines = [ln for ln in b.code.splitlines() if ln.strip()]
                assert all(re.match(r"(npm|pip|uv) (install|add) ", ln) for ln in lines), b.id
            elif doc == "openclaw":
                assert b.lang in {"json5", "bash"}, b.id
            elif b.lang == CONFIG_LANGS.get(doc):
                continue
            else:
                assert b.lang in RUNNERS, f"{b.id}: no runner for {b.lang!r}"
    assert {b.doc for b in RUNNABLE} == set(GUIDES) - {"openclaw"}


@pytest.fixture(scope="module")
def docs_key(stack: Stack) -> str:
    return stack.new_tenant_key("5", name="docs")


def _run(
    cmd: list[str], cwd: Path, env: dict[str, str], what: str, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        cmd,
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert proc.returncode == 0, (
        f"{what} exited {proc.returncode}\n--- stdout ---\n"
        f"{proc.stdout[-4000:]}\n--- stderr ---\n{proc.stderr[-4000:]}"
    )
    return proc


@pytest.mark.parametrize("block", RUNNABLE, ids=lambda b: b.id)
def test_doc_block_runs(stack: Stack, docs_key: str, block: Block) -> None:
    env = stack_env(stack, docs_key)
    if block.lang == "python":
        with tempfile.TemporaryDirectory(prefix="tk-doc-") as tmp:
            script = Path(tmp) / "snippet.py"
            script.write_text(block.code, encoding="utf-8")
            proc = _run([sys.executable, str(script)], Path(tmp), env, block.id)
    elif block.lang == "js":
        require_node()
        node_dir = install_node_clients()
        gen = node_dir / ".generated"
        gen.mkdir(exist_ok=True)
        script = gen / f"doc-{block.doc}-{block.index}-{uuid.uuid4().hex[:8]}.mjs"
        script.write_text(block.code, encoding="utf-8")
        try:
            proc = _run(["node", str(script)], node_dir, env, block.id)
        finally:
            script.unlink(missing_ok=True)
    else:
        with tempfile.TemporaryDirectory(prefix="tk-doc-") as tmp:
            proc = _run(["bash", "-euo", "pipefail", "-c", block.code], Path(tmp), env, block.id)
    assert proc.stdout.strip(), f"{block.id} printed nothing"
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_openclaw_guide(stack: Stack, docs_key: str) -> None:
    root = install_openclaw()
    found = [b for b in blocks("openclaw") if not b.norun]
    configs = [b for b in found if b.lang == "json5"]
    commands = [b for b in found if b.lang == "bash"]
    assert len(configs) == 2 and len(commands) == 1
    local_url = stack.layout.simulator_url + "/v1"
    with tempfile.TemporaryDirectory(prefix="tk-openclaw-doc-") as home:
        claw = OpenClaw(root, Path(home), docs_key)
        before = stack.balance(docs_key)
        claw.write_config(reference.adapt(configs[0].code, stack.base_url))
        proc = _run(
            ["bash", "-euo", "pipefail", "-c", commands[0].code],
            Path(home),
            claw.env,
            commands[0].id,
            timeout=300,
        )
        assert "Config valid" in proc.stdout and '"ok": true' in proc.stdout
        claw.write_config(
            reference.adapt(configs[1].code, stack.base_url).replace(
                "http://localhost:11434/v1", local_url
            )
        )
        assert "Config valid" in claw.run("config", "validate").stdout
    assert stack.balance(docs_key) < before
