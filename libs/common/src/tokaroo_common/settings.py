"""Settings base shared by every service: environment variables prefixed TOKAROO_.

Every settings class reads the process environment and then a `.env` file in the working
directory; a real environment variable wins over the same name in `.env`. The default ports
of the services are defined here once, and the upstream providers' variables (`OPENAI_API_KEY`,
`ANTHROPIC_API_KEY`, `GEMINI_API_KEY`, their base URLs, each also in a TOKAROO_ form, and the
seed's `LOCAL_AI_*`) are declared once in `ProviderSettings`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_FILE: Final = ".env"
SETTINGS_CONFIG: Final = SettingsConfigDict(
    env_prefix="TOKAROO_",
    env_file=ENV_FILE,
    env_file_encoding="utf-8",
    extra="ignore",
    frozen=True,
    populate_by_name=True,
)
"""The configuration of every Tokaroo settings class (services, CLI, local stack)."""

# Default ports: the one source (services, the local stack and the CLI take them from here).
EDGE_PORT: Final = 8080
ROUTER_GRPC_PORT: Final = 50051
CACHE_GRPC_PORT: Final = 50052
LEDGER_GRPC_PORT: Final = 50053
ANALYTICS_GRPC_PORT: Final = 50054


def local_addr(port: int) -> str:
    """The address a service listening on `port` of this host is reached at."""
    return f"127.0.0.1:{port}"


class BaseServiceSettings(BaseSettings):
    model_config = SETTINGS_CONFIG

    log_level: str = "INFO"
    bind_host: str = "127.0.0.1"
    nats_url: str = "nats://127.0.0.1:4222"

    # Observability. Tracing is off unless an OTLP endpoint or a span file is configured.
    otel_exporter_otlp_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "TOKAROO_OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"
        ),
    )
    otel_file: Path | None = None  # spans appended as JSON lines (tests, debugging)
    metrics_port: int = Field(default=0, ge=0, le=65535)  # Prometheus /metrics; 0 = off
    # Agent sessions (TOKAROO_PROMPT_CACHING): the edge places Anthropic cache breakpoints
    # and the router keeps a session on its warm model. Off only to measure what they save.
    prompt_caching: bool = True


CLOUD_PROVIDERS: Final = ("openai", "anthropic", "gemini")
LOCAL_PROVIDER: Final = "local"
PUBLIC_BASE_URLS: Final = {
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com",  # the adapters add /v1/...
    "gemini": "https://generativelanguage.googleapis.com/v1beta",
}


@dataclass(frozen=True)
class ProviderEndpoint:
    """One live upstream provider: where it is and the key it takes."""

    name: str  # openai | anthropic | gemini | local
    base_url: str
    api_key: SecretStr


def _either(name: str) -> AliasChoices:
    """`TOKAROO_<NAME>` first, then the provider's own variable name."""
    return AliasChoices(f"TOKAROO_{name}", name)


class ProviderSettings(BaseSettings):
    """The upstream providers. A cloud provider is live when it has a key (its base URL
    defaults to its public API); the local OpenAI-compatible server when it has a base URL."""

    model_config = SETTINGS_CONFIG

    # OpenAI's key: set, OpenAI is live (empty: not, or the simulator in `make run`).
    openai_api_key: SecretStr = Field(
        default=SecretStr(""), validation_alias=_either("OPENAI_API_KEY")
    )
    # Includes /v1 (default https://api.openai.com/v1); any OpenAI-compatible server.
    openai_base_url: str | None = Field(default=None, validation_alias=_either("OPENAI_BASE_URL"))
    # Anthropic's key: set, Anthropic is live.
    anthropic_api_key: SecretStr = Field(
        default=SecretStr(""), validation_alias=_either("ANTHROPIC_API_KEY")
    )
    # The host, without /v1 (default https://api.anthropic.com).
    anthropic_base_url: str | None = Field(
        default=None, validation_alias=_either("ANTHROPIC_BASE_URL")
    )
    # Gemini's key: set, Gemini is live.
    gemini_api_key: SecretStr = Field(
        default=SecretStr(""), validation_alias=_either("GEMINI_API_KEY")
    )
    # Includes /v1beta (default https://generativelanguage.googleapis.com/v1beta).
    gemini_base_url: str | None = Field(default=None, validation_alias=_either("GEMINI_BASE_URL"))
    # A local OpenAI-compatible server (Ollama, vLLM, LocalAI), with /v1: set, it is live.
    local_ai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("LOCAL_AI_BASE_URL")
    )
    # Its key, if it wants one (any string otherwise).
    local_ai_api_key: SecretStr = Field(
        default=SecretStr("local"), validation_alias=AliasChoices("LOCAL_AI_API_KEY")
    )

    def provider_endpoints(self) -> tuple[ProviderEndpoint, ...]:
        """The live providers, in a fixed order (openai, anthropic, gemini, local)."""
        keys = {
            "openai": (self.openai_api_key, self.openai_base_url),
            "anthropic": (self.anthropic_api_key, self.anthropic_base_url),
            "gemini": (self.gemini_api_key, self.gemini_base_url),
        }
        live = [
            ProviderEndpoint(name, url or PUBLIC_BASE_URLS[name], key)
            for name, (key, url) in keys.items()
            if key.get_secret_value()
        ]
        if self.local_ai_base_url:
            live.append(
                ProviderEndpoint(LOCAL_PROVIDER, self.local_ai_base_url, self.local_ai_api_key)
            )
        return tuple(live)
