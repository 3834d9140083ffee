from __future__ import annotations

import pytest
from tokaroo_simulator.config import Settings, load_settings


def test_defaults_env_and_flags() -> None:
    assert load_settings([], {}) == Settings()
    env = {"TOKAROO_SIM_LATENCY_MS": "25", "TOKAROO_SIM_TOKENS_PER_SECOND": "50"}
    assert load_settings([], env).latency_ms == 25
    s = load_settings(["--port", "9", "--latency-ms", "5", "--seed", "3"], env)
    assert (s.port, s.latency_ms, s.tokens_per_second, s.seed) == (9, 5, 50.0, 3)


def test_negative_values_are_refused() -> None:
    with pytest.raises(SystemExit):
        load_settings(["--latency-ms", "-1"], {})
