"""The research job publishes a pool snapshot and the running router serves from it."""

from __future__ import annotations

import os
import subprocess

import httpx
from tokaroo_cli.stack import research_spec

from tests.harness import Stack


def test_research_run_publishes_and_router_keeps_serving(stack: Stack) -> None:
    spec = research_spec(stack.layout)
    result = subprocess.run(
        spec.argv,
        env={**os.environ, **spec.env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    models = httpx.get(f"{stack.base_url}/models", headers=headers).json()["data"]
    prices = {m["id"]: m.get("pricing") for m in models}
    for seed in ("gpt-4o", "gpt-4.1", "claude-sonnet-4-6", "gemini-2.5-flash"):
        assert seed in prices
    assert prices["gpt-4.1"] == {"input_per_1m": 2, "output_per_1m": 8}
    resp = httpx.post(
        f"{stack.base_url}/chat/completions",
        headers=headers,
        json={
            "model": "claude-sonnet-4-6",
            "messages": [{"role": "user", "content": "after swap"}],
        },
    )
    assert resp.status_code == 200
    assert resp.json()["model"] == "claude-sonnet-4-6"
