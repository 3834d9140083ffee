"""Which upstream providers the local stack uses, and the environment that tells the services.

Pure. A cloud provider with a key is real (at its base URL, by default its public API); one
without a key is served by the upstream simulator, unless the simulator is off, and then it is
not live at all. The local OpenAI-compatible server (`LOCAL_AI_BASE_URL`) is live when set.
The router is given the live set, so its pool never names (or falls back to) another one."""

from __future__ import annotations

from dataclasses import dataclass

from tokaroo_common.settings import CLOUD_PROVIDERS, ProviderSettings

# Where each wire format lives on the simulator, and the key it is given (any string works).
_SIMULATOR_PATHS = {"openai": "/v1", "anthropic": "", "gemini": "/v1beta"}


@dataclass(frozen=True)
class LiveProvider:
    name: str  # openai | anthropic | gemini | local
    base_url: str
    simulated: bool


def live_providers(
    settings: ProviderSettings, *, simulator_url: str | None
) -> tuple[LiveProvider, ...]:
    """`simulator_url` None: the simulator is off."""
    real = {e.name: e for e in settings.provider_endpoints()}
    out: list[LiveProvider] = []
    for name in (*CLOUD_PROVIDERS, "local"):
        if name in real:
            out.append(LiveProvider(name, real[name].base_url, simulated=False))
        elif name in _SIMULATOR_PATHS and simulator_url is not None:
            out.append(LiveProvider(name, simulator_url + _SIMULATOR_PATHS[name], simulated=True))
    return tuple(out)


def provider_env(settings: ProviderSettings, live: tuple[LiveProvider, ...]) -> dict[str, str]:
    """The services' environment for these providers: each cloud provider's base URL and key
    (empty for one that is not live, which turns it off whatever `.env` says), the local
    server's, the router's list of live providers and the simulator's list of the ones it
    serves."""
    by_name = {p.name: p for p in live}
    keys = {
        "openai": settings.openai_api_key,
        "anthropic": settings.anthropic_api_key,
        "gemini": settings.gemini_api_key,
    }
    env: dict[str, str] = {}
    for name in CLOUD_PROVIDERS:
        p, var = by_name.get(name), f"TOKAROO_{name.upper()}"
        env[f"{var}_BASE_URL"] = p.base_url if p else ""
        env[f"{var}_API_KEY"] = (
            "" if p is None else f"sim-{name}-key" if p.simulated else keys[name].get_secret_value()
        )
    if "local" in by_name:
        env["LOCAL_AI_BASE_URL"] = by_name["local"].base_url
        env["LOCAL_AI_API_KEY"] = settings.local_ai_api_key.get_secret_value()
    env["TOKAROO_ROUTER_PROVIDERS"] = ",".join(p.name for p in live)
    env["TOKAROO_SIM_PROVIDERS"] = ",".join(p.name for p in live if p.simulated)
    return env


def describe(live: tuple[LiveProvider, ...]) -> list[str]:
    """Console lines for the operator (provider names are fine here, never in responses)."""
    if not live:
        return [
            "live providers: none (every request will fail: set a provider key, "
            "LOCAL_AI_BASE_URL, or leave the simulator on)"
        ]
    width = max(len(p.name) for p in live)
    return ["live providers:"] + [
        f"  {p.name:<{width}} -> {'simulator' if p.simulated else p.base_url}" for p in live
    ]
