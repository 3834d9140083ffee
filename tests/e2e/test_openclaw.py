"""OpenClaw through Tokaroo: the API reference's openclaw.json configurations, validated by
OpenClaw itself, and one headless prompt each through the stack (OpenClaw is installed by
tests/e2e/openclaw_tools.py)."""

from __future__ import annotations

import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e import reference
from tests.e2e.openclaw_tools import OpenClaw, install_openclaw
from tests.harness import Stack

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def openclaw_root() -> Path:
    return install_openclaw()


def _wait_below(stack: Stack, key: str, before: Decimal, timeout: float = 20) -> Decimal:
    deadline = time.monotonic() + timeout
    while (now := stack.balance(key)) >= before and time.monotonic() < deadline:
        time.sleep(0.2)
    return now


def _answer(result: dict[str, Any]) -> str:
    assert result.get("ok") is True, result
    return "".join(str(o.get("text") or "") for o in result.get("outputs", []))


def test_openclaw_with_tokaroo_alone(stack: Stack, openclaw_root: Path) -> None:
    snippet = reference.snippets()["openclaw"].code
    key = stack.new_tenant_key("5", name="openclaw")
    with tempfile.TemporaryDirectory(prefix="tk-openclaw-") as home:
        claw = OpenClaw(openclaw_root, Path(home), key)
        claw.write_config(reference.adapt(snippet, stack.base_url))
        assert "Config valid" in claw.run("config", "validate").stdout
        before = stack.balance(key)
        result = claw.infer("--model", "tokaroo/auto")
        assert result["provider"] == "tokaroo" and result["model"] == "auto"
        assert _answer(result).strip()
    assert _wait_below(stack, key, before) < before, "the prompt was billed through Tokaroo"
    usage = httpx.get(f"{stack.base_url}/usage", headers={"Authorization": f"Bearer {key}"}).json()[
        "data"
    ]
    assert usage and usage[0]["input_tokens"] > 0 and usage[0]["charged_usd"] > 0


def test_openclaw_with_tokaroo_beside_a_local_server(stack: Stack, openclaw_root: Path) -> None:
    """The second configuration: `local` points at an OpenAI-compatible server here (the
    upstream simulator) instead of Ollama; the default model stays tokaroo/auto."""
    snippet = reference.snippets()["openclaw-local"].code
    assert "http://localhost:11434/v1" in snippet
    config = reference.adapt(snippet, stack.base_url).replace(
        "http://localhost:11434/v1", stack.layout.simulator_url + "/v1"
    )
    key = stack.new_tenant_key("5", name="openclaw-local")
    stats_url = f"{stack.layout.simulator_url}/_sim/stats"

    def local_calls() -> int:
        per_model = httpx.get(stats_url).json()["requests"].get("openai", {})
        return sum(per_model.get("llama3.2", {}).values())

    with tempfile.TemporaryDirectory(prefix="tk-openclaw-") as home:
        claw = OpenClaw(openclaw_root, Path(home), key)
        claw.write_config(config)
        assert "Config valid" in claw.run("config", "validate").stdout
        before = stack.balance(key)
        result = claw.infer()  # agents.defaults.model: tokaroo/auto
        assert result["provider"] == "tokaroo" and _answer(result).strip()
        after = _wait_below(stack, key, before)
        assert after < before, "the default model ran through Tokaroo"

        calls = local_calls()
        local = claw.infer("--model", "local/llama3.2")
        assert local["provider"] == "local" and _answer(local).strip()
        assert local_calls() > calls, "the local provider reached the local server"
        time.sleep(1)
        assert stack.balance(key) == after, "the local model is not billed by Tokaroo"


@pytest.mark.parametrize("api", ["openai-responses", "anthropic-messages"])
def test_openclaw_over_the_other_dialects(stack: Stack, openclaw_root: Path, api: str) -> None:
    """The same configuration with `api` set to the Responses or the Messages dialect. The
    Anthropic client adds `/v1/messages` to its base URL itself, so that base URL is the
    server's root (docs/clients/openclaw.md says so)."""
    config = reference.adapt(reference.snippets()["openclaw"].code, stack.base_url).replace(
        'api: "openai-completions"', f'api: "{api}"'
    )
    if api == "anthropic-messages":
        config = config.replace(f'"{stack.base_url}"', f'"{stack.base_url.removesuffix("/v1")}"')
    key = stack.new_tenant_key("5", name=f"openclaw-{api}")
    with tempfile.TemporaryDirectory(prefix="tk-openclaw-") as home:
        claw = OpenClaw(openclaw_root, Path(home), key)
        claw.write_config(config)
        assert "Config valid" in claw.run("config", "validate").stdout
        before = stack.balance(key)
        result = claw.infer("--model", "tokaroo/auto")
        assert result["provider"] == "tokaroo" and _answer(result).strip()
    assert _wait_below(stack, key, before) < before, "the prompt was billed through Tokaroo"
    endpoint = {"openai-responses": "responses", "anthropic-messages": "messages"}[api]
    usage = httpx.get(f"{stack.base_url}/usage", headers={"Authorization": f"Bearer {key}"}).json()[
        "data"
    ]
    assert usage and all(u.get("endpoint", endpoint) == endpoint for u in usage), usage
