"""The router's public surface for other services: the model-pool snapshot contract (its
format, its validation, and where snapshots are published). The market-research job builds
and publishes snapshots with these; everything else in the package is the router's own.

A repository test (tests/repo/test_dependencies.py) keeps other services to this surface."""

from tokaroo_router.pool import TIERS, ModelEntry, Pool, default_pool_path, parse_pool
from tokaroo_router.pool_validate import validate
from tokaroo_router.pool_watch import CURRENT_KEY, POOL_SUBJECT, pool_bucket

__all__ = [
    "CURRENT_KEY",
    "POOL_SUBJECT",
    "TIERS",
    "ModelEntry",
    "Pool",
    "default_pool_path",
    "parse_pool",
    "pool_bucket",
    "validate",
]
