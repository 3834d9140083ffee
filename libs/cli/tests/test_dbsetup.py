"""`tokaroo migrate` / `make run` run the migrations as `tokaroo-migrate` in a child process,
the command the Kubernetes Jobs run; the CLI imports no service for it."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from tokaroo_cli.dbsetup import applied_names, migrate_argv, prepare_database
from tokaroo_cli.infra import database_dsn, running_servers
from tokaroo_cli.stack import DATABASE


def test_the_command_line_is_the_jobs_command() -> None:
    assert migrate_argv("postgresql://x/db", None) == [
        sys.executable,
        "-m",
        "tokaroo_common.migrate_command",
        "--postgres-dsn",
        "postgresql://x/db",
        "--engine",
        "postgres",
    ]
    assert migrate_argv("postgresql://x/db", "chdb:///d")[-2:] == ["--clickhouse-dsn", "chdb:///d"]


def test_applied_names_are_read_from_its_output() -> None:
    out = "applied ledger/0001_init\napplied cache/0002_answer_shape\n"
    assert applied_names(out) == ["ledger/0001_init", "cache/0002_answer_shape"]
    assert applied_names("migrations: up to date\n") == []


async def test_prepare_database_migrates_every_installed_postgres_store() -> None:
    base = Path(tempfile.mkdtemp(prefix="tkd-"))  # short: the unix socket lives in there
    try:
        with running_servers(base, nats=False, valkey=False, postgres=True) as servers:
            admin = servers.postgres_dsn
            dsn = database_dsn(admin, DATABASE)
            first = await prepare_database(admin, dsn)
            assert "ledger/0001_init" in first and "cache/0001_semantic_entries" in first
            assert await prepare_database(admin, dsn) == []
    finally:
        shutil.rmtree(base, ignore_errors=True)
