"""Research job settings: environment variables prefixed TOKAROO_ (see BaseServiceSettings)."""

from __future__ import annotations

from pydantic import SecretStr
from tokaroo_common.settings import BaseServiceSettings


class ResearchSettings(BaseServiceSettings):
    # Providers whose models lists are read and which the canary probes go through; the same
    # variables the edge uses. OpenAI's base URL includes /v1, Gemini's /v1beta,
    # Anthropic's is the host (the job adds /v1/...).
    openai_base_url: str | None = None
    openai_api_key: SecretStr = SecretStr("")
    anthropic_base_url: str | None = None
    anthropic_api_key: SecretStr = SecretStr("")
    gemini_base_url: str | None = None
    gemini_api_key: SecretStr = SecretStr("")
    research_probe_timeout_s: float = 30.0
    research_publish_timeout_s: float = 10.0
