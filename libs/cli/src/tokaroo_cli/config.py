"""Settings of the local stack (`tokaroo up`) and of the CLI: the one place reading env.

Like every service, they read the environment, then `.env` in the working directory (the
environment wins). The upstream providers' variables are `ProviderSettings`' (tokaroo_common)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pydantic import AliasChoices, Field
from tokaroo_common.settings import (
    ANALYTICS_GRPC_PORT,
    CACHE_GRPC_PORT,
    EDGE_PORT,
    LEDGER_GRPC_PORT,
    ROUTER_GRPC_PORT,
    SETTINGS_CONFIG,
    ProviderSettings,
)


class StackSettings(ProviderSettings):
    model_config = SETTINGS_CONFIG

    home: Path = Path(".tokaroo")  # the stack's state (databases, logs, bootstrap key)
    port: int = EDGE_PORT  # the edge's HTTP port (the base URL printed at start)
    bootstrap_credit_usd: Decimal = Decimal(10)  # credit of the bootstrap tenant, once
    bootstrap_api_key: str | None = None  # a fixed bootstrap key (default: a new one, saved)
    log_level: str = "INFO"
    nats_port: int = 14222
    nats_monitor_port: int = 18222
    valkey_port: int = 16379
    postgres_port: int = 15432
    simulator_port: int = 18090
    router_grpc_port: int = ROUTER_GRPC_PORT
    cache_grpc_port: int = CACHE_GRPC_PORT
    ledger_grpc_port: int = LEDGER_GRPC_PORT
    analytics_grpc_port: int = ANALYTICS_GRPC_PORT
    # Prometheus /metrics of router, cache, ledger and analytics: this port and the next three
    # (the edge serves its own at /metrics on its HTTP port); 0: none.
    metrics_first_port: int = Field(default=19464, ge=0, le=65532)
    # The upstream simulator stands in for every cloud provider without a key; `off`: none.
    simulator: bool = True
    simulator_latency_ms: int = 0
    # The local server's model, passed on to the router (see LOCAL_AI_BASE_URL).
    local_default_model: str | None = Field(
        default=None, validation_alias=AliasChoices("LOCAL_DEFAULT_MODEL")
    )
