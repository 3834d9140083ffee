"""Everything a request handler needs, built once in the app lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from tokaroo_common.outbox import Outbox

from tokaroo_edge.auth import Authenticator
from tokaroo_edge.completion import Pipeline
from tokaroo_edge.config import EdgeSettings
from tokaroo_edge.embeddings import EmbeddingPipeline
from tokaroo_edge.internal import InternalClients


@dataclass
class EdgeState:
    settings: EdgeSettings
    clients: InternalClients
    auth: Authenticator
    pipeline: Pipeline
    embeddings: EmbeddingPipeline
    outbox: Outbox
    draining: bool = False
