"""What the Valkey mirror of balances is built from: snapshots of tenants' balances and
their keys' settled spend, read from PostgreSQL, and the fence after a Valkey loss."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from tokaroo_common.periods import day_number, period_start
from tokaroo_common.reservations import KeySpend, Snapshot

_SPEND_SQL = """
SELECT key_id,
       coalesce(sum(spent_nano) FILTER (WHERE day >= $2::date), 0)::bigint AS day,
       coalesce(sum(spent_nano) FILTER (WHERE day >= $3::date), 0)::bigint AS month,
       coalesce(sum(spent_nano), 0)::bigint AS total
FROM key_spend_daily WHERE key_id = ANY($1::uuid[]) GROUP BY key_id
"""


async def snapshots(
    conn: Any, tenant_ids: Iterable[uuid.UUID], key_ids: Iterable[uuid.UUID], now: datetime
) -> dict[uuid.UUID, Snapshot]:
    """Each known tenant's balance and version, with the spend of those of `key_ids` that are
    its keys, as one consistent read when `conn` is inside the transaction that changed
    them. `conn` is an asyncpg connection or pool."""
    tenants = sorted(set(tenant_ids))
    keys = sorted(set(key_ids))
    rows = await conn.fetch(
        "SELECT id, balance_nano, balance_version FROM tenants WHERE id = ANY($1::uuid[])", tenants
    )
    day = period_start("day", now)
    month = period_start("month", now)
    assert day is not None and month is not None
    spends: dict[uuid.UUID, list[KeySpend]] = {}
    if keys:
        owners = {
            r["id"]: r["tenant_id"]
            for r in await conn.fetch(
                "SELECT id, tenant_id FROM api_keys WHERE id = ANY($1::uuid[])", keys
            )
        }
        found = {
            r["key_id"]: r for r in await conn.fetch(_SPEND_SQL, keys, day.date(), month.date())
        }
        for key_id, tenant_id in owners.items():
            r = found.get(key_id)
            spends.setdefault(tenant_id, []).append(
                KeySpend(
                    str(key_id),
                    int(r["day"]) if r else 0,
                    day_number(day.date()),
                    int(r["month"]) if r else 0,
                    day_number(month.date()),
                    int(r["total"]) if r else 0,
                )
            )
    return {
        r["id"]: Snapshot(
            str(r["id"]),
            int(r["balance_nano"]),
            int(r["balance_version"]),
            tuple(spends.get(r["id"], ())),
        )
        for r in rows
    }


async def fence_until(pool: asyncpg.Pool, epoch: str, fence: timedelta) -> datetime:
    """Until when holds are refused in the Valkey data set `epoch`: its first sight plus
    `fence` when the mirror was built in another one before (Valkey lost its data), else
    now (a first start has no live holds to lose)."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("LOCK TABLE reservation_epochs IN SHARE ROW EXCLUSIVE MODE")
        row = await conn.fetchrow(
            "SELECT fence_until FROM reservation_epochs WHERE epoch = $1", epoch
        )
        if row is not None:
            found: datetime = row["fence_until"]
            return found
        earlier = await conn.fetchval("SELECT count(*) FROM reservation_epochs")
        now = datetime.now(UTC)
        until = now + fence if earlier else now
        await conn.execute(
            "INSERT INTO reservation_epochs (epoch, fence_until) VALUES ($1, $2)", epoch, until
        )
        return until
