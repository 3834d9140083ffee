from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from tokaroo_common.settings import BaseServiceSettings


class RouterSettings(BaseServiceSettings):
    router_grpc_port: int = 50051
    # How fast an unrefreshed `fast` latency estimate decays (a slow provider is retried).
    router_latency_half_life_s: float = 30.0
    pool_file: Path | None = None
    local_default_model: str | None = Field(
        default=None, validation_alias=AliasChoices("LOCAL_DEFAULT_MODEL"))
    local_ai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("LOCAL_AI_BASE_URL"))
