from __future__ import annotations

from tokaroo_common.settings import BaseServiceSettings


class CacheSettings(BaseServiceSettings):
    cache_grpc_port: int = 50052
    redis_url: str = "redis://127.0.0.1:6379/0"
    cache_ttl_seconds: int = 24 * 3600
    cache_max_entry_bytes: int = 1_000_000
