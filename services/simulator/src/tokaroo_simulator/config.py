"""Simulator settings: one frozen dataclass, read from argv, the environment and `.env` in the
working directory (nowhere else)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from dotenv import dotenv_values

ENV_FILE = ".env"
PROVIDERS = ("openai", "anthropic", "gemini")


@dataclass(frozen=True)
class Settings:
    ENV_PREFIX: ClassVar[str] = "TOKAROO_SIM_"  # each field's variable: TOKAROO_SIM_<FIELD>

    host: str = "127.0.0.1"
    port: int = 18090
    latency_ms: int = 0  # time before the first byte of every model response
    tokens_per_second: float = 0.0  # stream pacing; 0 sends chunks as fast as possible
    slow_ms: int = 2000  # extra delay added by the `slow` behaviour
    timeout_s: float = 300.0  # how long the `timeout` behaviour holds a request before dropping it
    seed: int = 0  # seed of the fault-rate RNG
    log_level: str = "warning"
    # The providers whose wire formats are served (comma-separated); the others answer 404.
    providers: tuple[str, ...] = PROVIDERS
    prompt_cache: bool = True  # model each provider's prompt caching (off: nothing is cached)


def _env_number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    return float(raw) if raw else default


def load_settings(
    argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """CLI flags win over TOKAROO_SIM_* environment variables, then `.env`, then the defaults."""
    if env is None:
        env = {**{k: v for k, v in dotenv_values(ENV_FILE).items() if v is not None}, **os.environ}
    d = Settings()
    p = argparse.ArgumentParser(
        prog="python -m tokaroo_simulator",
        description="Upstream LLM provider simulator (OpenAI, Anthropic, Gemini).",
    )
    p.add_argument("--host", default=env.get("TOKAROO_SIM_HOST", d.host))
    p.add_argument("--port", type=int, default=int(_env_number(env, "TOKAROO_SIM_PORT", d.port)))
    p.add_argument(
        "--latency-ms",
        type=int,
        default=int(_env_number(env, "TOKAROO_SIM_LATENCY_MS", d.latency_ms)),
    )
    p.add_argument(
        "--tokens-per-second",
        type=float,
        default=_env_number(env, "TOKAROO_SIM_TOKENS_PER_SECOND", d.tokens_per_second),
    )
    p.add_argument(
        "--slow-ms", type=int, default=int(_env_number(env, "TOKAROO_SIM_SLOW_MS", d.slow_ms))
    )
    p.add_argument(
        "--timeout-s", type=float, default=_env_number(env, "TOKAROO_SIM_TIMEOUT_S", d.timeout_s)
    )
    p.add_argument("--seed", type=int, default=int(_env_number(env, "TOKAROO_SIM_SEED", d.seed)))
    p.add_argument("--log-level", default=env.get("TOKAROO_SIM_LOG_LEVEL", d.log_level))
    p.add_argument(
        "--no-prompt-cache",
        action="store_true",
        default=env.get("TOKAROO_SIM_PROMPT_CACHE", "1").strip().lower()
        in ("0", "false", "no", "off"),
    )
    p.add_argument(
        "--providers",
        default=env.get("TOKAROO_SIM_PROVIDERS", ",".join(d.providers)),
        help="comma-separated: which of openai, anthropic, gemini to serve",
    )
    a = p.parse_args(argv)
    providers = tuple(x.strip() for x in a.providers.split(",") if x.strip())
    if not set(providers) <= set(PROVIDERS):
        p.error(f"--providers: each one of {', '.join(PROVIDERS)}")
    if a.latency_ms < 0 or a.tokens_per_second < 0 or a.slow_ms < 0 or a.timeout_s < 0:
        p.error("latency, token rate, slow and timeout must be >= 0")
    return Settings(
        host=a.host,
        port=a.port,
        latency_ms=a.latency_ms,
        tokens_per_second=a.tokens_per_second,
        slow_ms=a.slow_ms,
        timeout_s=a.timeout_s,
        seed=a.seed,
        log_level=a.log_level,
        prompt_cache=not a.no_prompt_cache,
        providers=providers,
    )
