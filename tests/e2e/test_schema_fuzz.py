"""Schemathesis against the edge's OpenAPI schema (its CLI, driven by this test): for every
documented operation, generated bodies never get a 5xx, and responses match the schema.

The seed is fixed so that CI is repeatable; `TOKAROO_FUZZ_SEED=random` (or another number)
explores further, and a failure prints the seed and a `curl` to reproduce it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import Stack

DEFAULT_SEED = "20261130"


def _seed_args() -> list[str]:
    seed = os.environ.get("TOKAROO_FUZZ_SEED", DEFAULT_SEED)
    return [] if seed == "random" else ["--seed", seed]


def test_schemathesis_finds_no_server_errors(stack: Stack, tmp_path: Path) -> None:
    st = Path(sys.executable).with_name("st")
    if not st.exists() and shutil.which("st") is None:
        pytest.skip("schemathesis CLI not installed")
    origin = stack.base_url.removesuffix("/v1")
    result = subprocess.run(
        [
            str(st if st.exists() else "st"),
            "run",
            f"{origin}/openapi.json",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "20",
            "-H",
            f"Authorization: Bearer {stack.api_key}",
            "-H",
            "x-tokaroo-cache-control: no-cache",
            # billing answers 501 not_configured without Stripe keys (documented)
            "--exclude-path",
            "/v1/billing/checkout",
            "--exclude-path",
            "/v1/billing/webhook",
            *_seed_args(),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
