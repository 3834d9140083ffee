"""`tokaroo-migrate`: apply the migrations of every installed store (or of those named).

The stores are the `MigrationSet`s registered under the entry-point group
`tokaroo.migrations` by the installed services: a service image migrates what it ships, the
workspace migrates everything. The same command runs in the Kubernetes Jobs, in `tokaroo
migrate` / `make run` and in the tests.

    tokaroo-migrate [--store NAME ...] [--engine postgres|clickhouse] [--list]

Targets come from `TOKAROO_POSTGRES_DSN`, `TOKAROO_CLICKHOUSE_DSN` and
`TOKAROO_CLICKHOUSE_DATABASE` (as the services read them), or the flags below.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points

from pydantic import SecretStr
from pydantic_settings import BaseSettings

from tokaroo_common.logs import setup_logging
from tokaroo_common.migrations import ENTRY_POINT_GROUP, MigrationSet, migrate
from tokaroo_common.settings import SETTINGS_CONFIG


class MigrateSettings(BaseSettings):
    model_config = SETTINGS_CONFIG

    log_level: str = "INFO"
    postgres_dsn: SecretStr = SecretStr("postgresql://postgres@127.0.0.1:5432/tokaroo")
    clickhouse_dsn: SecretStr = SecretStr("chdb:.tokaroo/clickhouse")
    clickhouse_database: str = "tokaroo"


@dataclass(frozen=True)
class Targets:
    postgres_dsn: str
    clickhouse_dsn: str
    clickhouse_database: str


def discover() -> list[MigrationSet]:
    """Every installed service's migration sets, ordered by store name."""
    found: list[MigrationSet] = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        mset = ep.load()
        if not isinstance(mset, MigrationSet):
            raise TypeError(f"entry point {ep.name} ({ep.value}) is not a MigrationSet")
        found.append(mset)
    return sorted(found, key=lambda m: m.store)


def select(
    sets: Sequence[MigrationSet], names: Sequence[str], engine: str | None = None
) -> list[MigrationSet]:
    """The sets named (all when none is) on `engine` (any when None); an unknown name is an
    error. Pure."""
    known = {m.store: m for m in sets}
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise SystemExit(f"unknown store(s) {unknown}; installed: {sorted(known)}")
    chosen = [known[n] for n in names] if names else list(sets)
    return [m for m in chosen if engine is None or m.engine == engine]


async def run(sets: Sequence[MigrationSet], targets: Targets) -> list[str]:
    """Apply each set to its engine's target; return `store/version` for each applied."""
    from tokaroo_common.migration_stores import postgres_store

    applied: list[str] = []
    pg = [m for m in sets if m.engine == "postgres"]
    if pg:
        async with postgres_store(targets.postgres_dsn) as db:
            for mset in pg:
                applied += [f"{mset.store}/{v}" for v in await migrate(db, mset)]
    ch = [m for m in sets if m.engine == "clickhouse"]
    if ch:
        applied += await _run_clickhouse(ch, targets)
    return applied


async def _run_clickhouse(sets: Sequence[MigrationSet], targets: Targets) -> list[str]:
    from tokaroo_common.clickhouse import open_client
    from tokaroo_common.migration_stores import ClickHouseStore

    client = await asyncio.to_thread(
        open_client, targets.clickhouse_dsn, targets.clickhouse_database
    )
    try:
        db = ClickHouseStore(client)
        return [f"{mset.store}/{v}" for mset in sets for v in await migrate(db, mset)]
    finally:
        client.close()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tokaroo-migrate", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--store",
        action="append",
        default=[],
        help="a store to migrate (repeatable; default: every installed one)",
    )
    parser.add_argument(
        "--engine", choices=["postgres", "clickhouse"], help="only the stores on this engine"
    )
    parser.add_argument("--list", action="store_true", help="list the installed stores and exit")
    parser.add_argument("--postgres-dsn", help="default: TOKAROO_POSTGRES_DSN")
    parser.add_argument("--clickhouse-dsn", help="default: TOKAROO_CLICKHOUSE_DSN")
    parser.add_argument("--clickhouse-database", help="default: TOKAROO_CLICKHOUSE_DATABASE")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    settings = MigrateSettings()
    setup_logging("migrate", settings.log_level)
    sets = select(discover(), args.store, args.engine)
    if args.list:
        for m in sets:
            print(f"{m.store}\t{m.engine}\t{m.package}/{m.folder}")
        return 0
    targets = Targets(
        postgres_dsn=args.postgres_dsn or settings.postgres_dsn.get_secret_value(),
        clickhouse_dsn=args.clickhouse_dsn or settings.clickhouse_dsn.get_secret_value(),
        clickhouse_database=args.clickhouse_database or settings.clickhouse_database,
    )
    applied = asyncio.run(run(sets, targets))
    for name in applied:
        print(f"applied {name}")
    if not applied:
        print("migrations: up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
