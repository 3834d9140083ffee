"""Everything a request handler needs, built once in the app lifespan."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from tokaroo_common.outbox import Outbox

from tokaroo_edge.auth import Authenticator, Principal
from tokaroo_edge.authguard import AuthFailureGuard, SharedFailureCount
from tokaroo_edge.completion import Completer
from tokaroo_edge.config import EdgeSettings
from tokaroo_edge.embeddings import EmbeddingPipeline
from tokaroo_edge.events import EventDraft, EventObserver
from tokaroo_edge.holds import Holds
from tokaroo_edge.internal import InternalClients
from tokaroo_edge.ratelimit import RateLimiter
from tokaroo_edge.record import RequestRecord
from tokaroo_edge.routing import Routing


@dataclass
class EdgeState:
    settings: EdgeSettings
    clients: InternalClients
    auth: Authenticator
    completer: Completer
    embeddings: EmbeddingPipeline
    outbox: Outbox
    holds: Holds
    routing: Routing
    limiter: RateLimiter | None = None
    metrics: EventObserver | None = None
    auth_guard: AuthFailureGuard = field(default_factory=AuthFailureGuard)
    auth_failures_shared: SharedFailureCount | None = None
    draining: bool = False

    @property
    def hold_ttl_ms(self) -> int:
        """A hold outlives the longest request, then expires if its edge died."""
        return int((self.settings.total_timeout_s + 60) * 1000)

    def open_record(self, request_id: str, principal: Principal, endpoint: str) -> RequestRecord:
        """The record of an authenticated request (its model is set once the body is read)."""
        draft = EventDraft(
            request_id=request_id,
            tenant_id=principal.tenant_id,
            key_id=principal.key_id,
            model_requested="",
            endpoint=endpoint,
            streamed=False,
            started=time.monotonic(),
        )
        return RequestRecord(draft, self.outbox, self.metrics)
