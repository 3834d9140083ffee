"""Runs last in the session (file order): nothing the stack emitted names a secret."""

from __future__ import annotations

from pathlib import Path

from tokaroo_cli.stack import service_env

from tests.harness import Stack


def test_logs_never_contain_api_keys_or_provider_keys(stack: Stack) -> None:
    env = service_env(stack.layout)
    secrets = [stack.api_key] + [v for k, v in env.items() if k.endswith("_API_KEY") and v]
    logs = sorted(Path(stack.layout.home / "logs").glob("*.log"))
    assert logs, "the stack wrote no logs"
    for log in logs:
        text = log.read_text(errors="replace")
        for secret in secrets:
            assert secret not in text, f"{log.name} contains a secret"
        assert "Authorization" not in text and "Bearer tok_" not in text
