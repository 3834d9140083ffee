"""Create the Tokaroo database and apply every installed store's migrations (a command, not a
side effect of starting a service). The migrations run as `tokaroo-migrate` in a child
process, exactly as the Kubernetes Job runs them: the CLI imports no service, and the embedded
ClickHouse directory is released when the child exits (one process may own it at a time)."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from tokaroo_cli.infra.postgres import ensure_database
from tokaroo_cli.stack import DATABASE


def migrate_argv(dsn: str, clickhouse_dsn: str | None) -> list[str]:
    """The `tokaroo-migrate` command line: every store, or only PostgreSQL's without a
    ClickHouse DSN. Pure."""
    argv = [sys.executable, "-m", "tokaroo_common.migrate_command", "--postgres-dsn", dsn]
    if clickhouse_dsn is None:
        return [*argv, "--engine", "postgres"]
    return [*argv, "--clickhouse-dsn", clickhouse_dsn]


def applied_names(stdout: str) -> list[str]:
    """`store/version` of each migration the command reports applied. Pure."""
    return [
        line.removeprefix("applied ").strip()
        for line in stdout.splitlines()
        if line.startswith("applied ")
    ]


async def prepare_database(
    admin_dsn: str, dsn: str, clickhouse_dsn: str | None = None
) -> list[str]:
    await ensure_database(admin_dsn, DATABASE)
    result = await asyncio.to_thread(
        subprocess.run,
        migrate_argv(dsn, clickhouse_dsn),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"tokaroo-migrate failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}"
        )
    return applied_names(result.stdout)
