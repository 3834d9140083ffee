"""Research job settings: environment variables prefixed TOKAROO_ (see BaseServiceSettings)."""

from __future__ import annotations

from tokaroo_common.settings import BaseServiceSettings, ProviderSettings


class ResearchSettings(BaseServiceSettings, ProviderSettings):
    """The live providers (the same variables the edge reads, from `ProviderSettings`) are the
    ones whose models lists are read and which the canary probes go through."""

    research_probe_timeout_s: float = 30.0
    research_publish_timeout_s: float = 10.0
