from __future__ import annotations

import pytest
from tokaroo_simulator.faults import FaultTable, Stats, fault_from_model_name, parse_rule


def test_model_name_behaviours() -> None:
    assert fault_from_model_name("gpt-4o-error-429") == "error-429"
    assert fault_from_model_name("sim-break-midstream") == "break-midstream"
    assert fault_from_model_name("claude-slow") == "slow"
    assert fault_from_model_name("gpt-4o-mini") is None


def test_count_limits_a_rule_and_newest_rule_wins() -> None:
    table = FaultTable()
    table.set(parse_rule({"kind": "error-500", "count": 2}))
    table.set(parse_rule({"kind": "error-503", "model": "m1", "provider": "openai", "count": 1}))
    assert table.decide("openai", "m1") == "error-503"
    assert table.decide("openai", "m1") == "error-500"
    assert table.decide("gemini", "m2") == "error-500"
    assert table.decide("gemini", "m2") is None
    assert table.rules == ()


def test_rate_is_reproducible_with_the_seed() -> None:
    def run() -> list[str | None]:
        table = FaultTable(seed=42)
        table.set(parse_rule({"kind": "error-429", "rate": 0.3}))
        return [table.decide("openai", "m") for _ in range(200)]

    first = run()
    assert first == run()
    hits = first.count("error-429")
    assert 30 < hits < 90


def test_clear_removes_rules_and_reseeds() -> None:
    table = FaultTable(seed=1)
    table.set(parse_rule({"kind": "timeout", "rate": 0.5}))
    first = [table.decide("openai", "m") for _ in range(20)]
    table.clear()
    assert table.decide("openai", "m") is None
    table.set(parse_rule({"kind": "timeout", "rate": 0.5}))
    assert [table.decide("openai", "m") for _ in range(20)] == first


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "nope"},
        {"kind": "slow", "rate": 2},
        {"kind": "slow", "count": 0},
        {"kind": "slow", "provider": "azure"},
        [1],
    ],
)
def test_invalid_rules_are_refused(body: object) -> None:
    with pytest.raises(ValueError):
        parse_rule(body)


def test_stats_nest_by_provider_model_outcome() -> None:
    stats = Stats()
    stats.record("openai", "m", "ok")
    stats.record("openai", "m", "ok")
    stats.record("openai", "m", "error-500")
    assert stats.to_json() == {"total": 3, "requests": {"openai": {"m": {"error-500": 1, "ok": 2}}}}
