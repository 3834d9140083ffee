"""The official Anthropic TypeScript SDK (tests/e2e/node/anthropic_sdk.test.mjs) against the
stack's Messages API, with `auto` (cache on) and a Claude model id."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.e2e.nodetools import install_node_clients, run
from tests.harness import Stack


@pytest.mark.parametrize("model", ["auto", "claude-sonnet-4-6"])
def test_official_anthropic_node_sdk(stack: Stack, model: str) -> None:
    node_dir = install_node_clients()
    key = stack.new_tenant_key("5", name="anthropic-node")
    proc = run(
        ["node", "--test", "--test-reporter=tap", "anthropic_sdk.test.mjs"],
        node_dir,
        env={
            "ANTHROPIC_BASE_URL": stack.base_url.removesuffix("/v1"),
            "ANTHROPIC_API_KEY": key,
            "TOKAROO_MODEL": model,
        },
        timeout=180,
    )
    assert "# fail 0" in proc.stdout and "# pass 5" in proc.stdout, proc.stdout[-3000:]
    assert stack.balance(key) < Decimal("5")
