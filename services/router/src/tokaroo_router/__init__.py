"""The router's public surface for other services:
- the model-pool snapshot contract (its format, its validation, and where snapshots are
  published): the market-research job builds and publishes snapshots with these;
- the routing decision, for a process that decides in process (the edge, for every request
  that needs no agent session): a live decider, the settings it reads, which requests need
  the router's sessions (a decider learns provider health from completion events itself).
Everything else in the package is the router's own.

A repository test (tests/repo/test_dependencies.py) keeps other services to this surface."""

from tokaroo_router.config import RoutingSettings
from tokaroo_router.decide import Decider, uses_session
from tokaroo_router.live import LiveDecider, start_decider
from tokaroo_router.pool import TIERS, ModelEntry, Pool, default_pool_path, parse_pool
from tokaroo_router.pool_validate import validate
from tokaroo_router.pool_watch import CURRENT_KEY, POOL_SUBJECT, pool_bucket

__all__ = [
    "CURRENT_KEY",
    "POOL_SUBJECT",
    "TIERS",
    "Decider",
    "LiveDecider",
    "ModelEntry",
    "Pool",
    "RoutingSettings",
    "default_pool_path",
    "parse_pool",
    "pool_bucket",
    "start_decider",
    "uses_session",
    "validate",
]
