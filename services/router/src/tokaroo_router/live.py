"""A live decider: the packaged (or configured) pool adapted to this deployment's providers,
kept current from the research job's snapshots, with the difficulty model and a provider
health. The router process and the edge's in-process routing start theirs the same way."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import CollectorRegistry

from tokaroo_router.config import RoutingSettings
from tokaroo_router.decide import Decider, PoolHolder
from tokaroo_router.difficulty_model import load_model
from tokaroo_router.pool import Pool, default_pool_path, load_pool, only_providers, with_local_model
from tokaroo_router.pool_watch import PoolWatcher, start_pool_watch
from tokaroo_router.provider_health import Health, HealthConfig
from tokaroo_router.session_store import SessionBook


def deployment_pool(settings: RoutingSettings, *, local_live: bool) -> Callable[[Pool], Pool]:
    """A pool as this deployment serves it: only the live providers, plus the local server's
    model when one is live. Pure."""

    def adapt(pool: Pool) -> Pool:
        pool = only_providers(pool, settings.router_providers)
        return with_local_model(pool, settings.local_default_model) if local_live else pool

    return adapt


@dataclass
class LiveDecider:
    decider: Decider
    watch: asyncio.Task[None]  # the pool watch

    async def close(self) -> None:
        """Stop watching the pool (at shutdown)."""
        self.watch.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.watch


async def start_decider(
    settings: RoutingSettings,
    *,
    local_live: bool,
    nats_url: str,
    stop: asyncio.Event,
    registry: CollectorRegistry | None = None,
    sessions: SessionBook | None = None,
) -> LiveDecider:
    """Load the pool and the model, start the pool watch (waiting briefly for the published
    snapshot), and return the decider."""
    base = load_pool(settings.pool_file or default_pool_path())
    adapt = deployment_pool(settings, local_live=local_live)
    holder = PoolHolder(adapt(base))
    watch = await start_pool_watch(PoolWatcher(holder, base, adapt), nats_url, stop)
    health = Health(HealthConfig(half_life_s=settings.router_latency_half_life_s))
    decider = Decider(holder, load_model(), health, registry=registry, sessions=sessions)
    return LiveDecider(decider, watch)
