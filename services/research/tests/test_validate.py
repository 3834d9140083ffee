"""The pool validator (tokaroo_router.pool_validate), shared by the job and the router."""

from __future__ import annotations

import copy
from typing import Any

from tokaroo_router.pool import parse_pool
from tokaroo_router.pool_validate import validate


def _model(raw: dict[str, Any], model_id: str) -> dict[str, Any]:
    return next(m for m in raw["models"] if m["id"] == model_id)


def _changed(seed: dict[str, Any], version: str = "next") -> dict[str, Any]:
    new = copy.deepcopy(seed)
    new["version"] = version
    return new


def test_seed_pool_is_valid_alone_and_against_itself(seed_raw: dict[str, Any]) -> None:
    assert validate(seed_raw).ok
    assert validate(_changed(seed_raw), parse_pool(seed_raw)).ok


def test_free_non_local_model_is_rejected_local_may_be_free(seed_raw: dict[str, Any]) -> None:
    new = _changed(seed_raw)
    _model(new, "gpt-4o-mini")["output_per_1m"] = "0"
    verdict = validate(new)
    assert not verdict.ok
    assert verdict.problems == ("gpt-4o-mini: free non-local model",)
    new = _changed(seed_raw)
    new["models"].append(
        {
            "id": "llama",
            "input_per_1m": "0",
            "output_per_1m": "0",
            "local": True,
            "providers": [{"provider": "local", "upstream_model": "llama"}],
        }
    )
    assert validate(new).ok


def test_price_jump_needs_an_override(seed_raw: dict[str, Any]) -> None:
    old = parse_pool(seed_raw)
    new = _changed(seed_raw)
    _model(new, "gpt-4o")["input_per_1m"] = "5.01"  # x2.004
    verdict = validate(new, old)
    assert not verdict.ok and "gpt-4o: input_per_1m moved" in verdict.problems[0]
    _model(new, "gpt-4o")["input_per_1m"] = "5.00"  # x2 exactly: within the bound
    assert validate(new, old).ok
    _model(new, "gpt-4o")["output_per_1m"] = "0.10"  # a drop beyond the bound too
    assert not validate(new, old).ok
    new["overridden"] = {"gpt-4o": ["output_per_1m"]}
    assert validate(new, old).ok


def test_lost_capability_or_model_needs_an_override(seed_raw: dict[str, Any]) -> None:
    old = parse_pool(seed_raw)
    new = _changed(seed_raw)
    _model(new, "claude-haiku-4-5")["tools"] = False
    new["models"] = [m for m in new["models"] if m["id"] != "gpt-4.1-nano"]
    verdict = validate(new, old)
    assert set(verdict.problems) == {
        "claude-haiku-4-5: lost capability tools without an override",
        "gpt-4.1-nano: removed without an override",
    }
    new["overridden"] = {"claude-haiku-4-5": ["tools"], "gpt-4.1-nano": ["removed"]}
    assert validate(new, old).ok


def test_required_and_reference_models_must_be_present(seed_raw: dict[str, Any]) -> None:
    new = _changed(seed_raw)
    new["models"] = [m for m in new["models"] if m["id"] != "claude-sonnet-4-6"]
    new["overridden"] = {"claude-sonnet-4-6": ["removed"]}
    verdict = validate(new, parse_pool(seed_raw), required=["claude-sonnet-4-6"])
    assert set(verdict.problems) == {
        "reference model for complex (claude-sonnet-4-6) is missing",
        "required model claude-sonnet-4-6 is missing",
    }


def test_malformed_snapshots_are_problems_not_exceptions(seed_raw: dict[str, Any]) -> None:
    assert not validate({"version": "x"}).ok
    new = _changed(seed_raw)
    _model(new, "gpt-4o")["input_per_1m"] = "two dollars"
    assert "does not parse" in validate(new).problems[0]
    new = _changed(seed_raw)
    _model(new, "gpt-4o")["providers"] = [{"provider": "azure", "upstream_model": "gpt-4o"}]
    _model(new, "gpt-4o")["quality"] = {"instant": 1.5}
    assert set(validate(new).problems) == {
        "gpt-4o: unknown provider 'azure'",
        "gpt-4o: quality outside [0, 1]",
    }


def test_rollback_skips_only_the_relative_checks(seed_raw: dict[str, Any]) -> None:
    current = _changed(seed_raw, "v2")
    _model(current, "gpt-4o")["input_per_1m"] = "9.00"
    back = _changed(seed_raw, "v1")
    assert not validate(back, parse_pool(current)).ok
    back["rollback_of"] = "v2"
    assert validate(back, parse_pool(current)).ok
    _model(back, "gpt-4o")["input_per_1m"] = "0"
    assert not validate(back, parse_pool(current)).ok
