from decimal import Decimal

import pytest
from tokaroo_common.money import (
    format_usd,
    nano_to_usd,
    per_million_to_nano_per_token,
    usd_to_nano,
)


def test_round_trip_is_exact() -> None:
    assert usd_to_nano("10") == 10_000_000_000
    assert nano_to_usd(usd_to_nano("0.000000001")) == Decimal("0.000000001")
    assert usd_to_nano(Decimal("1.23456789")) == 1_234_567_890


def test_format_usd() -> None:
    assert format_usd(12_500) == "0.000012500"
    assert format_usd(-1) == "-0.000000001"
    assert format_usd(10_000_000_000) == "10.000000000"
    assert Decimal(format_usd(123_456_789)) == nano_to_usd(123_456_789)


def test_per_million_prices() -> None:
    assert per_million_to_nano_per_token("2.50") == 2500
    assert per_million_to_nano_per_token("0.075") == 75
    assert per_million_to_nano_per_token("0.0001") == 1  # rounds up, never free


def test_rejects_non_finite() -> None:
    with pytest.raises(ValueError):
        usd_to_nano(Decimal("NaN"))
