"""Only live providers in the pool: `TOKAROO_ROUTER_PROVIDERS` and `only_providers`."""

from __future__ import annotations

import pytest
from tokaroo_common.errors import ModelNotFound
from tokaroo_router.config import RouterSettings
from tokaroo_router.pool import default_pool_path, load_pool, only_providers, with_local_model
from tokaroo_router.selection import Need, select


def need(mode: str = "auto", tier: str = "instant", kind: str = "chat") -> Need:
    return Need(
        mode=mode,
        kind=kind,
        input_tokens=50,
        max_output_tokens=0,
        tools=False,
        vision=False,
        json_schema=False,
        tier=tier,
    )


def test_settings_take_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOKAROO_ROUTER_PROVIDERS", raising=False)
    assert RouterSettings(_env_file=None).router_providers is None
    monkeypatch.setenv("TOKAROO_ROUTER_PROVIDERS", " openai, local ,")
    assert RouterSettings(_env_file=None).router_providers == frozenset({"openai", "local"})
    monkeypatch.setenv("TOKAROO_ROUTER_PROVIDERS", "")
    assert RouterSettings(_env_file=None).router_providers == frozenset()


def test_unset_keeps_the_pool() -> None:
    pool = load_pool(default_pool_path())
    assert only_providers(pool, None) is pool


@pytest.mark.parametrize("tier", ["instant", "standard", "complex"])
@pytest.mark.parametrize("mode", ["auto", "fast", "max"])
def test_every_candidate_and_fallback_is_on_a_live_provider(mode: str, tier: str) -> None:
    pool = only_providers(load_pool(default_pool_path()), frozenset({"openai"}))
    decision = select(pool, need(mode, tier))
    assert decision.choices and {c.provider for c in decision.choices} == {"openai"}


def test_models_of_other_providers_keep_their_prices_but_are_not_served() -> None:
    full = load_pool(default_pool_path())
    pool = only_providers(full, frozenset({"openai"}))
    assert [m.id for m in pool.models] == [m.id for m in full.models]  # baselines stay
    with pytest.raises(ModelNotFound):
        select(pool, need(mode="claude-sonnet-4-6"))
    complex_baseline = full.reference["complex"]  # an Anthropic model in the seed
    assert select(pool, need(tier="complex")).baseline.id == complex_baseline


def test_embeddings_only_from_live_providers() -> None:
    pool = only_providers(load_pool(default_pool_path()), frozenset({"gemini"}))
    decision = select(pool, need(kind="embedding"))
    assert {c.provider for c in decision.choices} == {"gemini"}


def test_only_the_local_server() -> None:
    pool = with_local_model(
        only_providers(load_pool(default_pool_path()), frozenset({"local"})), "llama3.2"
    )
    decision = select(pool, need(tier="complex"))
    assert [(c.provider, c.upstream_model) for c in decision.choices] == [("local", "llama3.2")]


def test_no_live_provider_serves_nothing() -> None:
    pool = only_providers(load_pool(default_pool_path()), frozenset())
    assert all(not m.providers for m in pool.models)
