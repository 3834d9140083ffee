"""Everything a request handler needs, built once in the app lifespan."""

from __future__ import annotations

from dataclasses import dataclass, field

from tokaroo_common.outbox import Outbox

from tokaroo_edge.auth import Authenticator
from tokaroo_edge.authguard import AuthFailureGuard, SharedFailureCount
from tokaroo_edge.completion import Pipeline
from tokaroo_edge.config import EdgeSettings
from tokaroo_edge.embeddings import EmbeddingPipeline
from tokaroo_edge.internal import InternalClients
from tokaroo_edge.ratelimit import RateLimiter


@dataclass
class EdgeState:
    settings: EdgeSettings
    clients: InternalClients
    auth: Authenticator
    pipeline: Pipeline
    embeddings: EmbeddingPipeline
    outbox: Outbox
    limiter: RateLimiter | None = None
    auth_guard: AuthFailureGuard = field(default_factory=AuthFailureGuard)
    auth_failures_shared: SharedFailureCount | None = None
    draining: bool = False

    @property
    def hold_ttl_ms(self) -> int:
        """A hold outlives the longest request, then expires if its edge died."""
        return int((self.settings.total_timeout_s + 60) * 1000)
