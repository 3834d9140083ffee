"""The `tokaroo` npm package (sdks/js): built with tsc, its node:test suite run on the stack."""

from __future__ import annotations

from decimal import Decimal

from tests.e2e.nodetools import SDK_JS, build_sdk_js, run, stack_env
from tests.harness import Stack


def test_js_sdk_build_and_tests_against_the_stack(stack: Stack) -> None:
    build_sdk_js()
    key = stack.new_tenant_key("5", name="sdk-js")
    proc = run(["npm", "test"], SDK_JS, env=stack_env(stack, key), timeout=300)
    out = proc.stdout
    assert "# fail 0" in out or "ℹ fail 0" in out, out[-3000:]
    assert "# skipped 0" in out or "ℹ skipped 0" in out, "live tests were skipped:\n" + out[-3000:]
    assert stack.balance(key) < Decimal("5")
