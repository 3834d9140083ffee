"""Settings base shared by every service: environment variables prefixed TOKAROO_."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class BaseServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOKAROO_", extra="ignore", frozen=True)

    log_level: str = "INFO"
    bind_host: str = "127.0.0.1"
    nats_url: str = "nats://127.0.0.1:4222"
