"""Edge settings: the one place that reads the environment."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from tokaroo_common.settings import BaseServiceSettings


class EdgeSettings(BaseServiceSettings):
    port: int = 8080
    workers: int = 1
    router_addr: str = "127.0.0.1:50051"
    cache_addr: str = "127.0.0.1:50052"
    ledger_addr: str = "127.0.0.1:50053"
    auth_cache_ttl_s: float = 1.0
    auth_failures_per_minute: int = 30  # per client address, then 429
    redis_url: str | None = None  # per-key rate limits; unset = no per-key limits
    max_body_bytes: int = 8 * 1024 * 1024
    connect_timeout_s: float = 2.0
    first_token_timeout_s: float = 60.0
    total_timeout_s: float = 600.0
    cache_ttl_s: int = 24 * 3600
    # A cache answer later than this is a miss: the upstream call is not held up waiting.
    cache_lookup_timeout_s: float = 0.15
    outbox_capacity: int = 100_000
    outbox_spill_path: Path | None = None
    # Events written ahead here before they are queued: a SIGKILLed edge loses none. In
    # Kubernetes an emptyDir volume keeps them across container restarts of the pod.
    outbox_journal_dir: Path | None = None
    shutdown_grace_s: float = 20.0

    openai_base_url: str | None = None
    openai_api_key: SecretStr = SecretStr("")
    anthropic_base_url: str | None = None
    anthropic_api_key: SecretStr = SecretStr("")
    gemini_base_url: str | None = None
    gemini_api_key: SecretStr = SecretStr("")
    local_ai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("LOCAL_AI_BASE_URL"))
    local_ai_api_key: SecretStr = Field(
        default=SecretStr("local"), validation_alias=AliasChoices("LOCAL_AI_API_KEY"))
