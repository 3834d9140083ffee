"""Simulator settings: one frozen dataclass, read from argv and the environment (nowhere else)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 18090
    latency_ms: int = 0  # time before the first byte of every model response
    tokens_per_second: float = 0.0  # stream pacing; 0 sends chunks as fast as possible
    slow_ms: int = 2000  # extra delay added by the `slow` behaviour
    timeout_s: float = 300.0  # how long the `timeout` behaviour holds a request before dropping it
    seed: int = 0  # seed of the fault-rate RNG
    log_level: str = "warning"


def _env_number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    return float(raw) if raw else default


def load_settings(argv: Sequence[str] | None = None,
                  env: Mapping[str, str] | None = None) -> Settings:
    """CLI flags win over TOKAROO_SIM_* environment variables, which win over the defaults."""
    env = os.environ if env is None else env
    d = Settings()
    p = argparse.ArgumentParser(
        prog="python -m tokaroo_simulator",
        description="Upstream LLM provider simulator (OpenAI, Anthropic, Gemini).")
    p.add_argument("--host", default=env.get("TOKAROO_SIM_HOST", d.host))
    p.add_argument("--port", type=int, default=int(_env_number(env, "TOKAROO_SIM_PORT", d.port)))
    p.add_argument("--latency-ms", type=int,
                   default=int(_env_number(env, "TOKAROO_SIM_LATENCY_MS", d.latency_ms)))
    p.add_argument("--tokens-per-second", type=float,
                   default=_env_number(env, "TOKAROO_SIM_TOKENS_PER_SECOND", d.tokens_per_second))
    p.add_argument("--slow-ms", type=int,
                   default=int(_env_number(env, "TOKAROO_SIM_SLOW_MS", d.slow_ms)))
    p.add_argument("--timeout-s", type=float,
                   default=_env_number(env, "TOKAROO_SIM_TIMEOUT_S", d.timeout_s))
    p.add_argument("--seed", type=int, default=int(_env_number(env, "TOKAROO_SIM_SEED", d.seed)))
    p.add_argument("--log-level", default=env.get("TOKAROO_SIM_LOG_LEVEL", d.log_level))
    a = p.parse_args(argv)
    if a.latency_ms < 0 or a.tokens_per_second < 0 or a.slow_ms < 0 or a.timeout_s < 0:
        p.error("latency, token rate, slow and timeout must be >= 0")
    return Settings(host=a.host, port=a.port, latency_ms=a.latency_ms,
                    tokens_per_second=a.tokens_per_second, slow_ms=a.slow_ms,
                    timeout_s=a.timeout_s, seed=a.seed, log_level=a.log_level)
