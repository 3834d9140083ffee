from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tokaroo_common.errors import InvalidRequest
from tokaroo_ledger import cursor


def test_round_trip_keeps_microseconds() -> None:
    ts = datetime(2026, 11, 27, 3, 4, 5, 678901, tzinfo=UTC)
    rid = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
    token = cursor.encode(ts, rid)
    assert "=" not in token and rid not in token
    assert cursor.decode(token) == (ts, rid)


def test_request_id_may_contain_separator() -> None:
    ts = datetime(2025, 1, 1, tzinfo=UTC)
    assert cursor.decode(cursor.encode(ts, "a|b"))[1] == "a|b"


@pytest.mark.parametrize("bad", ["", "!!!!", "bm90LWEtY3Vyc29y", "MTIz", "x" * 600, "YWJjfGRlZg"])
def test_garbage_is_invalid_request(bad: str) -> None:
    with pytest.raises(InvalidRequest):
        cursor.decode(bad)
