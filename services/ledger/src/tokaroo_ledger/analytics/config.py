"""Analytics settings (environment variables prefixed TOKAROO_)."""

from __future__ import annotations

import re

from pydantic import Field, SecretStr, field_validator
from tokaroo_common.settings import ANALYTICS_GRPC_PORT, BaseServiceSettings

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class AnalyticsSettings(BaseServiceSettings):
    """`TOKAROO_CLICKHOUSE_DSN` (`chdb:///path` or `http(s)://user:pass@host:8123`),
    `TOKAROO_CLICKHOUSE_DATABASE`, `TOKAROO_ANALYTICS_*` (batching, consumer, gRPC port),
    inherited `TOKAROO_NATS_URL`, `TOKAROO_LOG_LEVEL`, `TOKAROO_BIND_HOST`."""

    clickhouse_dsn: SecretStr = SecretStr("chdb:.tokaroo/clickhouse")
    clickhouse_database: str = "tokaroo"
    analytics_durable: str = "analytics-sink"
    analytics_batch_max: int = Field(default=5000, ge=1, le=100_000)
    # After a batch's first event, keep collecting this long. Each insert has a fixed cost
    # (on embedded chDB 50-60 ms of CPU with the rollups, against about 0.06 ms per row:
    # bench/analytics.md), so a longer wait is less CPU per request; dashboards lag by it.
    analytics_batch_max_wait_s: float = Field(default=3.0, gt=0, le=60)
    analytics_fetch_size: int = Field(default=1000, ge=1, le=10_000)
    analytics_ack_wait_s: float = Field(default=30.0, gt=0)
    # -1: never drop an event after N failed deliveries (a ClickHouse outage must not lose it)
    analytics_max_deliver: int = Field(default=-1, ge=-1)
    analytics_nak_delay_s: float = Field(default=1.0, ge=0)
    analytics_auto_migrate: bool = True
    analytics_grpc_port: int = ANALYTICS_GRPC_PORT
    analytics_shutdown_grace_s: float = Field(default=5.0, ge=0)

    @field_validator("clickhouse_database")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not _IDENT.match(value):
            raise ValueError("clickhouse_database must be a plain identifier")
        return value
