"""Build one adapter (one pooled client) per configured provider."""

from __future__ import annotations

from opentelemetry.sdk.trace import TracerProvider

from tokaroo_edge.config import EdgeSettings
from tokaroo_edge.providers.anthropic import AnthropicProvider
from tokaroo_edge.providers.base import ChatProvider
from tokaroo_edge.providers.gemini import GeminiProvider
from tokaroo_edge.providers.openai_compat import OpenAICompatProvider, Timeouts


def build_providers(settings: EdgeSettings,
                    tracer_provider: TracerProvider | None = None) -> dict[str, ChatProvider]:
    """With a tracer provider (tracing on), each upstream call is a client span whose context
    goes upstream as a W3C traceparent; without one, no tracing work at all on that path."""
    timeouts = Timeouts(settings.connect_timeout_s, settings.first_token_timeout_s,
                        settings.total_timeout_s)
    tracer = tracer_provider.get_tracer(__name__) if tracer_provider is not None else None
    providers: dict[str, ChatProvider] = {}
    if settings.openai_base_url:
        providers["openai"] = OpenAICompatProvider(
            settings.openai_base_url, settings.openai_api_key.get_secret_value(),
            timeouts, tracer)
    if settings.anthropic_base_url:
        providers["anthropic"] = AnthropicProvider(
            settings.anthropic_base_url, settings.anthropic_api_key.get_secret_value(),
            timeouts, tracer)
    if settings.gemini_base_url:
        providers["gemini"] = GeminiProvider(
            settings.gemini_base_url, settings.gemini_api_key.get_secret_value(),
            timeouts, tracer)
    if settings.local_ai_base_url:
        providers["local"] = OpenAICompatProvider(
            settings.local_ai_base_url, settings.local_ai_api_key.get_secret_value(),
            timeouts, tracer)
    return providers
