"""The research job publishes a pool snapshot and the running router serves from it."""

from __future__ import annotations

import os
import subprocess
import time

import httpx
from tokaroo_cli.stack import research_spec

from tests.harness import Stack


def listed_models(stack: Stack, headers: dict[str, str]) -> list[dict[str, object]]:
    """GET /v1/models, a 503 retried as a client is told to (the model list comes from the
    router, which a loaded CI machine can keep past the call's timeout right after a swap)."""
    for attempt in range(4):
        resp = httpx.get(f"{stack.base_url}/models", headers=headers, timeout=30)
        if resp.status_code != 503 or attempt == 3:
            break
        time.sleep(float(resp.headers.get("retry-after", "1")))
    assert resp.status_code == 200, resp.text
    return list(resp.json()["data"])


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
    models = listed_models(stack, headers)
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
