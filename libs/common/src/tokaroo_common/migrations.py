"""Schema migrations, one runner for every store (PostgreSQL ledger and cache, ClickHouse
analytics).

A service owns only its SQL files (`<package>/migrations/NNNN_name.sql`) and declares them as a
`MigrationSet` registered under the entry-point group `tokaroo.migrations`; the
`tokaroo-migrate` command (`migrate_command.py`) discovers every installed set and applies
it. The rules are the same for every store:

- files are applied in the order of their numeric prefix, which must be unique;
- each applied file is recorded in the store's `tokaroo_migrations` table (store, version =
  file name without `.sql`, SHA-256 checksum); a rerun applies nothing new;
- an applied file whose checksum changed is refused: migrations are never edited once
  applied, a change is a new file;
- a migration is a command, never a side effect of importing or starting a service.

How a store applies a file (transaction and advisory lock on PostgreSQL, idempotent
statements on ClickHouse) lives behind the small `Store` protocol (`migration_stores.py`).
This module is pure apart from reading packaged files.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Literal, Protocol

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "tokaroo.migrations"
TABLE = "tokaroo_migrations"
"""The applied migrations of every store of one database: (store, version, checksum)."""

Engine = Literal["postgres", "clickhouse"]
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(RuntimeError):
    """Files that cannot be applied as they are (bad names, an edited applied file)."""


@dataclass(frozen=True)
class Migration:
    version: str  # the file name without `.sql`, e.g. "0001_init"
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    def statements(self) -> list[str]:
        """The file split into statements (for engines that take one at a time). Comment
        lines are dropped; a `;` inside a string literal is not supported."""
        body = "\n".join(
            line for line in self.sql.splitlines() if not line.lstrip().startswith("--")
        )
        return [s.strip() for s in body.split(";") if s.strip()]


@dataclass(frozen=True)
class LegacyTable:
    """A table of applied migrations written by an earlier runner, adopted on first run:
    the rows of `select` (version, checksum or NULL when the old runner kept none) are
    copied into `tokaroo_migrations`, then `table` is dropped."""

    table: str
    select: str


@dataclass(frozen=True)
class MigrationSet:
    """What a service registers: its store's name, engine and packaged SQL folder."""

    store: str
    engine: Engine
    package: str
    folder: str = "migrations"
    legacy: LegacyTable | None = None

    def load(self) -> list[Migration]:
        root = resources.files(self.package).joinpath(self.folder)
        found = [
            Migration(entry.name.removesuffix(".sql"), entry.read_text(encoding="utf-8"))
            for entry in root.iterdir()
            if entry.name.endswith(".sql")
        ]
        return ordered(found)


def ordered(migrations: Sequence[Migration]) -> list[Migration]:
    """Sorted by numeric prefix; refuses badly named files and repeated prefixes."""
    bad = [m.version for m in migrations if not _NAME.match(m.version + ".sql")]
    if bad:
        raise MigrationError(f"migration files must be named NNNN_name.sql: {bad}")
    out = sorted(migrations, key=lambda m: m.version)
    prefixes = [m.version[:4] for m in out]
    if len(set(prefixes)) != len(prefixes):
        raise MigrationError(f"migration prefixes must be unique: {prefixes}")
    return out


def pending(migrations: Sequence[Migration], applied: Mapping[str, str]) -> list[Migration]:
    """The migrations not yet applied, in order; an applied one whose file changed is an
    error. Pure."""
    out: list[Migration] = []
    for m in migrations:
        recorded = applied.get(m.version)
        if recorded is None:
            out.append(m)
        elif recorded != m.checksum:
            raise MigrationError(
                f"{m.version} was changed after it was applied; add a new migration instead"
            )
    return out


def adopted_rows(
    migrations: Sequence[Migration], legacy: Sequence[tuple[str, str | None]]
) -> list[tuple[str, str]]:
    """(version, checksum) rows of a legacy table in the new form; a row without checksum
    gets the packaged file's (the old runner kept none). Pure."""
    by_version = {m.version: m.checksum for m in migrations}
    rows: list[tuple[str, str]] = []
    for version, checksum in legacy:
        version = version.removesuffix(".sql")
        rows.append((version, checksum or by_version.get(version, "")))
    return rows


class Store(Protocol):
    """One database, as the runner needs it (see `migration_stores.py`)."""

    async def applied(self, store: str) -> dict[str, str]:
        """version -> checksum of `store`'s applied migrations (creates the table)."""
        ...

    async def adopt(self, store: str, legacy: LegacyTable, migrations: Sequence[Migration]) -> int:
        """Copy a legacy table's rows, drop it; return how many rows were adopted."""
        ...

    async def apply(self, store: str, migration: Migration) -> None:
        """Run one migration and record it (atomically where the engine allows)."""
        ...


async def migrate(db: Store, mset: MigrationSet) -> list[str]:
    """Apply `mset`'s pending migrations to `db`; return the versions applied now. The
    caller holds whatever lock the engine needs (`migration_stores` does)."""
    migrations = mset.load()
    if mset.legacy is not None:
        adopted = await db.adopt(mset.store, mset.legacy, migrations)
        if adopted:
            log.info(
                "legacy migrations table adopted",
                extra={"store": mset.store, "table": mset.legacy.table, "rows": adopted},
            )
    done: list[str] = []
    for m in pending(migrations, await db.applied(mset.store)):
        await db.apply(mset.store, m)
        log.info("migration applied", extra={"store": mset.store, "version": m.version})
        done.append(m.version)
    return done
