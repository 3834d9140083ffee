"""Stored Responses API responses in PostgreSQL, keyed by (tenant_id, response_id). Every
statement filters by tenant_id: no query can read, overwrite or delete another tenant's row,
and an expired row is never returned. Database errors propagate (the servicer maps them to
UNAVAILABLE): unlike a cache miss, a lost stored response is an error the client must see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg  # type: ignore[import-untyped]
from tokaroo_proto.conversation.v1 import conversation_pb2 as cpb

_PUT = """
INSERT INTO stored_responses (tenant_id, response_id, conversation, messages_json,
    response_json, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (tenant_id, response_id) DO UPDATE SET conversation = EXCLUDED.conversation,
    messages_json = EXCLUDED.messages_json, response_json = EXCLUDED.response_json,
    created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
"""
_GET = """
SELECT conversation, messages_json, response_json, created_at, expires_at
FROM stored_responses WHERE tenant_id = $1 AND response_id = $2 AND expires_at > now()
"""
_DELETE = """
DELETE FROM stored_responses WHERE tenant_id = $1 AND response_id = $2 AND expires_at > now()
"""
_SWEEP = "DELETE FROM stored_responses WHERE tenant_id = $1 AND expires_at <= now()"


@dataclass(frozen=True)
class Stored:
    tenant_id: str
    response_id: str
    conversation: cpb.Conversation
    messages_json: bytes
    response_json: bytes
    created_at: datetime
    expires_at: datetime


def to_ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


class ResponseStore:
    def __init__(self, pool: asyncpg.Pool, *, default_ttl_s: int, max_ttl_s: int) -> None:
        self._pool = pool
        self._default_ttl_s = default_ttl_s
        self._max_ttl_s = max_ttl_s

    def ttl(self, requested_s: int) -> int:
        """The TTL applied: the default when none is asked, never above the maximum. Pure."""
        return min(requested_s if requested_s > 0 else self._default_ttl_s, self._max_ttl_s)

    async def put(
        self,
        tenant_id: str,
        response_id: str,
        conversation: cpb.Conversation,
        messages_json: bytes,
        response_json: bytes,
        ttl_s: int,
    ) -> datetime:
        """Store (or replace) the tenant's response; returns when it expires."""
        now = datetime.now(UTC)
        expires = now + timedelta(seconds=self.ttl(ttl_s))
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(
                _PUT,
                tenant_id,
                response_id,
                conversation.SerializeToString(),
                messages_json,
                response_json,
                now,
                expires,
            )
            await conn.execute(_SWEEP, tenant_id)
        return expires

    async def get(self, tenant_id: str, response_id: str) -> Stored | None:
        row = await self._pool.fetchrow(_GET, tenant_id, response_id)
        if row is None:
            return None
        return Stored(
            tenant_id,
            response_id,
            cpb.Conversation.FromString(bytes(row["conversation"])),
            bytes(row["messages_json"]),
            bytes(row["response_json"]),
            row["created_at"],
            row["expires_at"],
        )

    async def delete(self, tenant_id: str, response_id: str) -> bool:
        status: str = await self._pool.execute(_DELETE, tenant_id, response_id)
        return status.rsplit(" ", 1)[-1] != "0"
