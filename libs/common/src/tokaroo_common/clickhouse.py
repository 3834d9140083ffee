"""Opening a ClickHouse client: one code path for a ClickHouse server (`http(s)://` DSN) and
the embedded chDB engine (`chdb:///path`, registered by the `chdb` package when installed)."""

from __future__ import annotations

from typing import Any

import clickhouse_connect
from clickhouse_connect.driver.client import Client


def is_embedded(dsn: str) -> bool:
    return dsn.startswith("chdb:")


def open_client(dsn: str, database: str) -> Client:
    """Connect, create `database` if missing and make it the client's default database."""
    if not database.replace("_", "").isalnum():
        raise ValueError(f"not a plain database name: {database!r}")
    extra: dict[str, Any] = {} if is_embedded(dsn) else {"autogenerate_session_id": False}
    client = clickhouse_connect.get_client(dsn=dsn, database="default", **extra)
    try:
        client.command(f"CREATE DATABASE IF NOT EXISTS `{database}`")
        client.database = database
    except Exception:
        client.close()
        raise
    return client
