"""Versioned SQL migrations for the analytics schema, recorded in ClickHouse.

Files `migrations/NNNN_name.sql` are applied in order; each applied version is recorded in
`schema_migrations` with the file's SHA-256. ClickHouse DDL is not transactional, so every
statement is idempotent (`IF NOT EXISTS`): a migration interrupted half-way is simply applied
again. An applied migration whose file changed is an error (write a new migration instead).
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from importlib import resources

from tokaroo_ledger.analytics.warehouse import Warehouse

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LEDGER_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations
(
    version     UInt32,
    name        String,
    checksum    String,
    applied_at  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree ORDER BY version
"""


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    def statements(self) -> list[str]:
        body = "\n".join(line for line in self.sql.splitlines()
                         if not line.lstrip().startswith("--"))
        return [s.strip() for s in body.split(";") if s.strip()]


def load_migrations() -> list[Migration]:
    root = resources.files("tokaroo_ledger.analytics").joinpath("migrations")
    found: list[Migration] = []
    for entry in root.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text()))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"duplicate migration versions: {versions}")
    return found


async def applied_versions(wh: Warehouse) -> dict[int, str]:
    await wh.command(_LEDGER_TABLE)
    rows = await wh.rows("SELECT version, any(checksum) FROM schema_migrations GROUP BY version")
    return {int(v): str(c) for v, c in rows}


async def migrate(wh: Warehouse) -> list[int]:
    """Apply pending migrations; return the versions applied now."""
    done = await applied_versions(wh)
    applied: list[int] = []
    for mig in load_migrations():
        if mig.version in done:
            if done[mig.version] != mig.checksum:
                raise MigrationError(f"migration {mig.version}_{mig.name} changed after it "
                                     "was applied; add a new migration instead")
            continue
        for statement in mig.statements():
            await wh.command(statement)
        await wh.insert("schema_migrations", [(mig.version, mig.name, mig.checksum)],
                        ["version", "name", "checksum"])
        log.info("analytics migration applied", extra={"version": mig.version,
                                                       "migration": mig.name})
        applied.append(mig.version)
    return applied
