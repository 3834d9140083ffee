"""The official `openai` Node SDK (tests/e2e/node) against the stack: chat, streams with usage,
streamed tool calls, base64 embeddings (its default) and the models list."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from tests.e2e.nodetools import install_node_clients, run, stack_env
from tests.harness import Stack


# auto, and one model per provider behind the gateway (OpenAI, Anthropic, Gemini wire formats)
@pytest.mark.parametrize("model", ["auto", "gpt-4.1", "claude-sonnet-4-6", "gemini-2.5-flash"])
def test_official_openai_node_sdk(stack: Stack, model: str) -> None:
    node_dir = install_node_clients()
    key = stack.new_tenant_key("5", name="openai-node")
    proc = run(
        ["node", "--test", "--test-reporter=tap", "openai_sdk.test.mjs"],
        node_dir,
        env={**stack_env(stack, key), "TOKAROO_MODEL": model},
        timeout=180,
    )
    assert "# fail 0" in proc.stdout and "# pass 7" in proc.stdout, proc.stdout[-3000:]
    # Charges settle asynchronously (edge outbox -> NATS -> ledger): wait for the first.
    deadline = time.monotonic() + 30
    while stack.balance(key) == Decimal("5") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert stack.balance(key) < Decimal("5")
