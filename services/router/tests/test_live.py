"""A live decider's pool: this deployment's providers, and the local model when live."""

from __future__ import annotations

from tokaroo_router.config import RoutingSettings
from tokaroo_router.live import deployment_pool
from tokaroo_router.pool import default_pool_path, load_pool

POOL = load_pool(default_pool_path())


def providers(pool: object) -> set[str]:
    return {d.provider for m in pool.models for d in m.providers}  # type: ignore[attr-defined]


def test_only_the_live_providers_stay() -> None:
    settings = RoutingSettings(_env_file=None, router_providers="openai")  # type: ignore[call-arg]
    assert providers(deployment_pool(settings, local_live=False)(POOL)) == {"openai"}


def test_the_local_model_joins_only_when_the_local_server_is_live() -> None:
    settings = RoutingSettings(_env_file=None, local_default_model="llama3.2")  # type: ignore[call-arg]
    assert "llama3.2" not in deployment_pool(settings, local_live=False)(POOL).by_id
    assert "llama3.2" in deployment_pool(settings, local_live=True)(POOL).by_id
