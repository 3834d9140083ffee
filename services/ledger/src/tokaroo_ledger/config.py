"""Ledger settings: the one place that reads the environment (prefix TOKAROO_)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from tokaroo_common.settings import LEDGER_GRPC_PORT, BaseServiceSettings


class LedgerSettings(BaseServiceSettings):
    """`TOKAROO_POSTGRES_DSN`, `TOKAROO_LEDGER_GRPC_PORT`, `TOKAROO_NATS_URL`,
    `TOKAROO_LEDGER_SETTLE`, ... (inherited: `TOKAROO_LOG_LEVEL`, `TOKAROO_BIND_HOST`)."""

    postgres_dsn: SecretStr = SecretStr("postgresql://postgres@127.0.0.1:5432/tokaroo")
    ledger_grpc_port: int = LEDGER_GRPC_PORT
    ledger_settle: bool = True
    ledger_pool_min: int = Field(default=2, ge=1)
    ledger_pool_max: int = Field(default=10, ge=1)
    ledger_batch_size: int = Field(default=256, ge=1, le=10_000)
    # After a settlement batch's first event, keep pulling this long to fill it: under load
    # one transaction (and one Valkey apply per tenant) settles many requests. Holds stay live
    # until their request is settled, so a longer wait never lets a tenant overspend.
    ledger_batch_wait_s: float = Field(default=0.02, ge=0, le=1.0)
    ledger_ack_wait_s: float = Field(default=30.0, gt=0)
    ledger_shutdown_grace_s: float = Field(default=10.0, ge=0)
    ledger_db_connect_timeout_s: float = Field(default=60.0, gt=0)
    # The reservation book (balance holds) every edge shares; the ledger mirrors balances in.
    redis_url: str = "redis://127.0.0.1:6379/0"
    # After Valkey lost its data, holds are refused this long: the longest a request that held
    # before the loss can still run (the edge's total timeout plus a margin).
    ledger_hold_fence_s: float = Field(default=660.0, ge=0)
