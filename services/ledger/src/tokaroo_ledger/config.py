"""Ledger settings: the one place that reads the environment (prefix TOKAROO_)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from tokaroo_common.settings import BaseServiceSettings


class LedgerSettings(BaseServiceSettings):
    """`TOKAROO_POSTGRES_DSN`, `TOKAROO_LEDGER_GRPC_PORT`, `TOKAROO_NATS_URL`,
    `TOKAROO_LEDGER_SETTLE`, ... (inherited: `TOKAROO_LOG_LEVEL`, `TOKAROO_BIND_HOST`)."""

    postgres_dsn: SecretStr = SecretStr("postgresql://postgres@127.0.0.1:5432/tokaroo")
    ledger_grpc_port: int = 50053
    ledger_settle: bool = True
    ledger_pool_min: int = Field(default=2, ge=1)
    ledger_pool_max: int = Field(default=10, ge=1)
    ledger_batch_size: int = Field(default=256, ge=1, le=10_000)
    ledger_ack_wait_s: float = Field(default=30.0, gt=0)
    ledger_shutdown_grace_s: float = Field(default=10.0, ge=0)
    ledger_db_connect_timeout_s: float = Field(default=60.0, gt=0)
