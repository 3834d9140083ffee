"""Schema migrations: numbered SQL files in `migrations/`, applied in order, each in its own
transaction, recorded in `schema_migrations` with a checksum. Re-running applies nothing new;
an applied file that was edited afterwards is refused (migrations are never edited once
applied: add a new one). A command, never a side effect of importing or starting the service."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from importlib import resources

import asyncpg  # type: ignore[import-untyped]

log = logging.getLogger(__name__)

# Any constant works; it only serializes concurrent migrators on the same database.
_LOCK_KEY = 0x70CA_500_1ED6E5

_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    text PRIMARY KEY,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: str  # file name, e.g. "0001_init.sql"
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations() -> list[Migration]:
    """The packaged migrations, ordered by their numeric prefix."""
    folder = resources.files("tokaroo_ledger").joinpath("migrations")
    found = [Migration(entry.name, entry.read_text(encoding="utf-8"))
             for entry in folder.iterdir() if entry.name.endswith(".sql")]
    found.sort(key=lambda m: m.version)
    prefixes = [m.version.split("_", 1)[0] for m in found]
    if any(not p.isdigit() for p in prefixes) or len(set(prefixes)) != len(prefixes):
        raise MigrationError(f"migration files must have unique numeric prefixes: {prefixes}")
    return found


async def migrate(dsn: str) -> list[str]:
    """Apply every pending migration to the database at dsn; return the versions applied."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
        try:
            return await _apply_pending(conn, load_migrations())
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
    finally:
        await conn.close()


async def _apply_pending(conn: asyncpg.Connection, migrations: list[Migration]) -> list[str]:
    await conn.execute(_BOOKKEEPING)
    rows = await conn.fetch("SELECT version, checksum FROM schema_migrations")
    applied: dict[str, str] = {r["version"]: r["checksum"] for r in rows}
    done: list[str] = []
    for m in migrations:
        if m.version in applied:
            if applied[m.version] != m.checksum:
                raise MigrationError(f"{m.version} was changed after it was applied; "
                                     "add a new migration instead")
            continue
        async with conn.transaction():
            await conn.execute(m.sql)
            await conn.execute("INSERT INTO schema_migrations (version, checksum) "
                               "VALUES ($1, $2)", m.version, m.checksum)
        log.info("migration applied", extra={"version": m.version})
        done.append(m.version)
    return done
