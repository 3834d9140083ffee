"""Settings base shared by every service: environment variables prefixed TOKAROO_."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class BaseServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOKAROO_", extra="ignore", frozen=True)

    log_level: str = "INFO"
    bind_host: str = "127.0.0.1"
    nats_url: str = "nats://127.0.0.1:4222"

    # Observability. Tracing is off unless an OTLP endpoint or a span file is configured.
    otel_exporter_otlp_endpoint: str | None = Field(default=None, validation_alias=AliasChoices(
        "TOKAROO_OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"))
    otel_file: Path | None = None  # spans appended as JSON lines (tests, debugging)
    metrics_port: int = Field(default=0, ge=0, le=65535)  # Prometheus /metrics; 0 = off
