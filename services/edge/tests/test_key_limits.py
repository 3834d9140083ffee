"""Key controls at the edge, pure: allowed models (403), expiry (401), the refusals of a hold
(402 balance, 429 key budget with the limit and its reset), and the keys' JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from tokaroo_common.errors import (
    AuthenticationFailed,
    InsufficientBalance,
    KeyBudgetExceeded,
    PermissionDenied,
)
from tokaroo_edge.auth import Principal, check_expiry
from tokaroo_edge.key_api import KeyCreate, KeyPatch, create_request, key_json, update_request
from tokaroo_edge.key_limits import check_model, hold_refusal
from tokaroo_edge.usage_api import summary_json
from tokaroo_proto.ledger.v1 import ledger_pb2 as pb


def test_a_scoped_key_may_use_only_its_model_values() -> None:
    check_model(Principal("t", "k"), "max")  # unscoped: anything
    scoped = Principal("t", "k", allowed_models=("auto", "fast"))
    check_model(scoped, "fast")
    with pytest.raises(PermissionDenied) as info:
        check_model(scoped, "max")
    assert info.value.status == 403 and info.value.type == "permission_error"
    assert "'max'" in info.value.message and "auto, fast" in info.value.message


def test_an_expired_key_is_refused_with_its_expiry() -> None:
    check_expiry(Principal("t", "k"), 2e9)
    check_expiry(Principal("t", "k", expires_at_unix_ms=2_000_000_000_000), 1e9)
    with pytest.raises(AuthenticationFailed, match="expired at 2033-05-18T03:33:20Z"):
        check_expiry(Principal("t", "k", expires_at_unix_ms=2_000_000_000_000), 2e9)


def test_a_refused_hold_names_the_limit_and_its_reset() -> None:
    reset = int(datetime(2026, 12, 2, tzinfo=UTC).timestamp() * 1000)
    err = hold_refusal(
        pb.HoldResponse(
            reason="key_budget",
            key_budget_nano=1_000_000_000,
            key_spent_nano=900_000_000,
            key_held_nano=50_000_000,
            key_period="day",
            key_resets_at_unix_ms=reset,
        ),
        60_000_000,
    )
    assert isinstance(err, KeyBudgetExceeded) and err.status == 429
    assert err.to_openai()["error"]["code"] == "key_budget_exceeded"
    assert err.to_openai()["error"]["type"] == "insufficient_quota"
    assert "daily budget of $1.000000000" in err.message
    assert "$0.050000000 left" in err.message and "2026-12-02T00:00:00Z" in err.message
    total = hold_refusal(
        pb.HoldResponse(reason="key_budget", key_budget_nano=5, key_period="total"), 10
    )
    assert "does not reset" in total.message
    assert isinstance(
        hold_refusal(pb.HoldResponse(reason="balance", available_nano=3), 10), InsufficientBalance
    )
    assert isinstance(
        hold_refusal(pb.HoldResponse(reason="key_inactive"), 10), AuthenticationFailed
    )


def test_create_and_patch_bodies_become_exact_ledger_requests() -> None:
    body = KeyCreate.model_validate(
        {
            "name": "ci",
            "budget_usd": "12.345678901",
            "budget_period": "day",
            "rpm": 60,
            "allowed_models": ["auto"],
            "expires_at": "2030-01-01T00:00:00Z",
        }
    )
    req = create_request("t", body)
    assert req.budget_nano == 12_345_678_901 and req.budget_period == "day"
    assert req.requests_per_minute == 60 and list(req.allowed_models) == ["auto"]
    assert req.expires_at_unix_ms == 1_893_456_000_000
    assert not create_request("t", KeyCreate()).HasField("budget_nano")
    with pytest.raises(ValueError):
        KeyCreate.model_validate({"budget_usd": -1})
    with pytest.raises(ValueError):
        KeyCreate.model_validate({"budget": 5})  # a misspelt control is an error, not ignored
    patch = update_request("t", "k", KeyPatch.model_validate({"budget_usd": None, "tpm": 5}))
    assert patch.clear_budget and patch.tokens_per_minute == 5
    assert not patch.HasField("requests_per_minute") and not patch.set_allowed_models
    models = update_request("t", "k", KeyPatch.model_validate({"allowed_models": None}))
    assert models.set_allowed_models and list(models.allowed_models) == []


def test_key_json_shows_controls_and_period_spend() -> None:
    info = pb.KeyInfo(
        id="k",
        name="n",
        prefix="tok_x",
        budget_nano=2_500_000_000,
        budget_period="month",
        period_spent_nano=1_000_000_000,
        period_resets_at_unix_ms=1_893_456_000_000,
        requests_per_minute=10,
        expires_at_unix_ms=1_000,
    )
    out = key_json(info, 2_000)
    assert out["budget_usd"] == 2.5 and out["budget_usd_exact"] == "2.500000000"
    assert out["spend_usd"] == 1.0 and out["budget_resets_at"] == "2030-01-01T00:00:00Z"
    assert out["rpm"] == 10 and out["tpm"] is None and out["expired"] is True
    assert key_json(pb.KeyInfo(id="k"), 0)["budget_usd"] is None


def test_summary_sums_days_tiers_cache_and_savings() -> None:
    resp = pb.UsageSummaryResponse(
        buckets=[
            pb.UsageBucket(
                day="2026-12-01",
                tier="instant",
                cache_outcome="miss",
                requests=2,
                charged_nano=100,
                baseline_nano=300,
            ),
            pb.UsageBucket(
                day="2026-12-01",
                tier="instant",
                cache_outcome="exact",
                requests=1,
                charged_nano=10,
                baseline_nano=100,
            ),
            pb.UsageBucket(
                day="2026-12-02",
                tier="complex",
                cache_outcome="miss",
                requests=1,
                charged_nano=50,
                baseline_nano=50,
            ),
        ]
    )
    out = summary_json(resp)
    assert out["requests"] == 4 and Decimal(out["saved_usd_exact"]) == Decimal("0.000000290")
    first = out["data"][0]
    assert first["by_tier"] == {"instant": 3} and first["by_cache"] == {"miss": 2, "exact": 1}
    assert [d["date"] for d in out["data"]] == ["2026-12-01", "2026-12-02"]
