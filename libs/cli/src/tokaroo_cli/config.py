"""Settings of the local stack (`tokaroo up`) and of the CLI: the one place reading env."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class StackSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOKAROO_", extra="ignore", frozen=True)

    home: Path = Path(".tokaroo")
    port: int = 8080
    bootstrap_credit_usd: Decimal = Decimal(10)
    bootstrap_api_key: str | None = None
    log_level: str = "INFO"
    nats_port: int = 14222
    nats_monitor_port: int = 18222
    valkey_port: int = 16379
    postgres_port: int = 15432
    simulator_port: int = 18090
    router_grpc_port: int = 50051
    cache_grpc_port: int = 50052
    ledger_grpc_port: int = 50053
    simulator_latency_ms: int = 0
    # Real providers: when set, they are used instead of the upstream simulator.
    openai_base_url: str | None = None
    openai_api_key: str | None = None
    local_ai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("LOCAL_AI_BASE_URL"))
    local_ai_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("LOCAL_AI_API_KEY"))
    local_default_model: str | None = Field(
        default=None, validation_alias=AliasChoices("LOCAL_DEFAULT_MODEL"))
