"""Key controls, pure: periods and when they reset, validation, merging a change."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tokaroo_common.errors import InvalidRequest
from tokaroo_common.periods import period_reset, period_start
from tokaroo_ledger.key_controls import (
    KeyControls,
    check_models,
    check_period,
    from_unix_ms,
)
from tokaroo_ledger.key_rpcs import updated_controls
from tokaroo_proto.ledger.v1 import ledger_pb2 as pb


def test_periods_start_and_reset_in_utc() -> None:
    now = datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert period_start("day", now) == datetime(2026, 12, 31, tzinfo=UTC)
    assert period_reset("day", now) == datetime(2027, 1, 1, tzinfo=UTC)
    assert period_start("month", now) == datetime(2026, 12, 1, tzinfo=UTC)
    assert period_reset("month", now) == datetime(2027, 1, 1, tzinfo=UTC)
    assert period_reset("month", datetime(2026, 2, 10, tzinfo=UTC)) == datetime(
        2026, 3, 1, tzinfo=UTC
    )
    assert period_start("total", now) is None and period_reset("total", now) is None


def test_validation_refuses_bad_values() -> None:
    assert check_period("") == "month"
    with pytest.raises(InvalidRequest):
        check_period("week")
    assert check_models(["auto", "fast", "auto", "gpt-4.1"]) == ("auto", "fast", "gpt-4.1")
    with pytest.raises(InvalidRequest):
        check_models(["has space"])
    with pytest.raises(InvalidRequest):
        check_models(["m"] * 65)
    assert from_unix_ms(0) is None
    with pytest.raises(InvalidRequest):
        from_unix_ms(2**62)


def test_update_changes_only_what_it_names() -> None:
    current = KeyControls(10, 1000, 5, "day", ("auto",), None)
    assert updated_controls(current, pb.UpdateKeyRequest()) == current
    changed = updated_controls(
        current, pb.UpdateKeyRequest(requests_per_minute=0, budget_period="total")
    )
    assert changed == KeyControls(0, 1000, 5, "total", ("auto",), None)
    cleared = updated_controls(
        current, pb.UpdateKeyRequest(clear_budget=True, set_allowed_models=True)
    )
    assert cleared.budget_nano is None and cleared.allowed_models == ()
