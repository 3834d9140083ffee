from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode
from tokaroo_common.settings import ROUTER_GRPC_PORT, SETTINGS_CONFIG, BaseServiceSettings


class RoutingSettings(BaseSettings):
    """What a process that decides routes needs: the router, and the edge deciding in process
    (`tokaroo_edge.routing`). The same variables mean the same in both."""

    model_config = SETTINGS_CONFIG

    # How fast an unrefreshed `fast` latency estimate decays (a slow provider is retried).
    router_latency_half_life_s: float = 30.0
    # The pool to start with (default: the packaged pool.json), until research publishes one.
    pool_file: Path | None = None
    # The live providers, comma-separated (e.g. `openai,local`): deployments on any other
    # provider are taken out of the pool, so no request is routed or falls back to them.
    # Unset: every provider the pool names (a deployment where the edge has them all).
    router_providers: Annotated[frozenset[str] | None, NoDecode] = None
    # The local server's model (with LOCAL_AI_BASE_URL): added to the pool at near-zero cost.
    local_default_model: str | None = Field(
        default=None, validation_alias=AliasChoices("LOCAL_DEFAULT_MODEL")
    )

    @field_validator("router_providers", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(p.strip() for p in value.split(",") if p.strip())
        return value


class RouterSettings(BaseServiceSettings, RoutingSettings):
    router_grpc_port: int = ROUTER_GRPC_PORT
    # Debugging memory growth: log the top Python allocation growths every N s (0: off).
    router_tracemalloc_every_s: float = 0.0
    # Agent sessions are kept in Valkey, shared by every replica (unset: in this process).
    redis_url: str | None = None
    # Set: the local server is live (LOCAL_DEFAULT_MODEL is then added to the pool).
    local_ai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("LOCAL_AI_BASE_URL")
    )
