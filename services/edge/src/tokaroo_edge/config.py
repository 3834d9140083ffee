"""Edge settings: the one place that reads the environment."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from tokaroo_common.settings import (
    CACHE_GRPC_PORT,
    EDGE_PORT,
    LEDGER_GRPC_PORT,
    ROUTER_GRPC_PORT,
    BaseServiceSettings,
    ProviderSettings,
    local_addr,
)
from tokaroo_router import RoutingSettings


class EdgeSettings(BaseServiceSettings, ProviderSettings, RoutingSettings):
    """The upstream providers' variables (keys, base URLs, LOCAL_AI_*) come from
    `ProviderSettings`: one adapter is built per live provider. The routing variables
    (`RoutingSettings`, the router's own) shape the pool of the in-process routing."""

    port: int = EDGE_PORT
    router_addr: str = local_addr(ROUTER_GRPC_PORT)
    cache_addr: str = local_addr(CACHE_GRPC_PORT)
    ledger_addr: str = local_addr(LEDGER_GRPC_PORT)
    auth_cache_ttl_s: float = 1.0
    # Decide the route in this process for every request that needs no agent session
    # (`fast`, `max`, a pinned model, embeddings), with the router's own decision code and
    # pool; `auto` chat still asks the router (it keeps the sessions). Off: every request
    # asks the router.
    edge_local_routing: bool = True
    auth_failures_per_minute: int = 30  # per client address, then 429
    # Valkey: per-key rate limits, balance holds and the exact cache (read and written by the
    # edge itself). Unset: no per-key limits, holds at the ledger, the cache service asked
    # for both cache layers.
    redis_url: str | None = None
    # A balance hold fails closed (503) when Valkey cannot answer. Before it does, a broken
    # connection is retried this many times, backing off up to 0.4 s between tries (about
    # 2 s in all), so a Valkey restart or failover of a second or so costs latency, not
    # refusals. Other Valkey calls (rate limit, exact cache) degrade instead and retry once.
    hold_valkey_retries: int = Field(default=6, ge=1)
    max_body_bytes: int = 8 * 1024 * 1024
    connect_timeout_s: float = 2.0
    first_token_timeout_s: float = 60.0
    total_timeout_s: float = 600.0
    # How long a stored answer stays in the exact/semantic cache (the cache service's own
    # default for entries stored without a TTL has the same name).
    cache_ttl_seconds: int = 24 * 3600
    # The exact cache's bounds: a larger answer is not stored; past this many entries a
    # tenant's oldest are evicted (the cache service's settings of the same names).
    cache_max_entry_bytes: int = 1_000_000
    cache_max_entries_per_tenant: int = 100_000
    # A cache answer later than this is a miss: the upstream call is not held up waiting.
    cache_lookup_timeout_s: float = 0.15
    outbox_capacity: int = 100_000
    outbox_spill_path: Path | None = None
    # Events written ahead here before they are queued: a SIGKILLed edge loses none. In
    # Kubernetes an emptyDir volume keeps them across container restarts of the pod.
    outbox_journal_dir: Path | None = None
    shutdown_grace_s: float = 20.0
    # Seconds an idle client connection is kept open. Longer than the clients' own pools keep
    # one (httpx and the OpenAI SDKs 5 s, Node 4 s) and than a load balancer's idle timeout
    # (60 s is common), so the edge never closes a connection a client is about to reuse.
    http_keep_alive_s: int = Field(default=75, ge=1)
    # Edge worker processes serving the one port (0 = one per core this process may run on;
    # 1 = the edge runs in this process, no parent). Each worker keeps its own outbox journal
    # and spill file (worker 0 the configured ones, worker i a `worker-<i>` sibling).
    edge_workers: int = Field(default=0, ge=0)
    # Set by the edge's parent for its workers (prometheus_client's multiprocess mode): each
    # worker's counters and histograms in files there, summed by whichever worker answers
    # /metrics. Unset with one worker.
    metrics_multiproc_dir: Path | None = Field(
        default=None, validation_alias=AliasChoices("PROMETHEUS_MULTIPROC_DIR")
    )
