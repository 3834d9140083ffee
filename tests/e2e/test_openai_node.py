"""The official `openai` Node SDK (tests/e2e/node) against the stack: chat, streams with usage,
streamed tool calls, base64 embeddings (its default) and the models list."""

from __future__ import annotations

from decimal import Decimal

from tests.e2e.nodetools import install_node_clients, run, stack_env
from tests.harness import Stack


def test_official_openai_node_sdk(stack: Stack) -> None:
    node_dir = install_node_clients()
    key = stack.new_tenant_key("5", name="openai-node")
    proc = run(["node", "--test", "--test-reporter=tap", "openai_sdk.test.mjs"], node_dir,
               env=stack_env(stack, key), timeout=180)
    assert "# fail 0" in proc.stdout and "# pass 6" in proc.stdout, proc.stdout[-3000:]
    assert stack.balance(key) < Decimal("5")
