"""Create the Tokaroo database and apply every service's migrations (a command, not a side
effect of starting a service)."""

from __future__ import annotations

from tokaroo_cache.migrate import migrate as migrate_cache
from tokaroo_ledger.migrate import migrate as migrate_ledger

from tokaroo_cli.infra.postgres import ensure_database
from tokaroo_cli.stack import DATABASE


async def prepare_database(admin_dsn: str, dsn: str) -> list[str]:
    await ensure_database(admin_dsn, DATABASE)
    return [*await migrate_ledger(dsn), *(f"cache/{m}" for m in await migrate_cache(dsn))]
