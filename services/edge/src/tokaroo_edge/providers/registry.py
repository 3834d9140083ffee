"""Build one adapter (one pooled client) per live provider."""

from __future__ import annotations

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Tracer
from tokaroo_common.settings import ProviderEndpoint

from tokaroo_edge.config import EdgeSettings
from tokaroo_edge.providers.anthropic import AnthropicProvider
from tokaroo_edge.providers.base import ChatProvider
from tokaroo_edge.providers.gemini import GeminiProvider
from tokaroo_edge.providers.openai_compat import OpenAICompatProvider, Timeouts


def build_adapter(
    endpoint: ProviderEndpoint,
    timeouts: Timeouts,
    tracer: Tracer | None = None,
    *,
    prompt_caching: bool = True,
) -> ChatProvider:
    """The adapter speaking `endpoint`'s wire format (the local server speaks OpenAI's). Also
    used by the research job, so its canary probes go through the very same code."""
    key = endpoint.api_key.get_secret_value()
    if endpoint.name == "anthropic":
        return AnthropicProvider(
            endpoint.base_url, key, timeouts, tracer, prompt_caching=prompt_caching
        )
    if endpoint.name == "gemini":
        return GeminiProvider(endpoint.base_url, key, timeouts, tracer)
    return OpenAICompatProvider(endpoint.base_url, key, timeouts, tracer)


def build_providers(
    settings: EdgeSettings, tracer_provider: TracerProvider | None = None
) -> dict[str, ChatProvider]:
    """With a tracer provider (tracing on), each upstream call is a client span whose context
    goes upstream as a W3C traceparent; without one, no tracing work at all on that path."""
    timeouts = Timeouts(
        settings.connect_timeout_s, settings.first_token_timeout_s, settings.total_timeout_s
    )
    tracer = tracer_provider.get_tracer(__name__) if tracer_provider is not None else None
    return {
        e.name: build_adapter(e, timeouts, tracer, prompt_caching=settings.prompt_caching)
        for e in settings.provider_endpoints()
    }
