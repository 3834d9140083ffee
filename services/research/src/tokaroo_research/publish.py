"""NATS side of the job: the pool bucket (shared with the router's watcher) and the event.

- `current` holds the live snapshot; its KV history (64 revisions) is the version history,
  and each snapshot is also kept under `version.<version>` for a rollback by name.
- Every publish is announced on `tokaroo.events.pool` (stream TOKAROO) as JSON
  `{version, previous_version, revision, rollback, diff}`, with Nats-Msg-Id `pool-<version>`.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from nats.aio.client import Client as NATS
from nats.js.errors import KeyDeletedError, KeyNotFoundError, NoKeysError
from tokaroo_common.jetstream import connect, ensure_stream, publish
from tokaroo_router import CURRENT_KEY, POOL_SUBJECT, pool_bucket

VERSION_PREFIX = "version."


async def connect_nats(url: str, timeout_s: float) -> NATS:
    """Connect, or raise ConnectionError after `timeout_s` (the shared `connect` keeps
    retrying a server that is not there)."""
    try:
        return await asyncio.wait_for(
            connect(url, "tokaroo-research", first_connect_timeout_s=timeout_s), timeout_s
        )
    except TimeoutError as exc:
        raise ConnectionError(f"NATS at {url} not reachable within {timeout_s}s") from exc


def encode(snapshot: dict[str, Any]) -> bytes:
    return json.dumps(snapshot, indent=1).encode()


async def read_current(nc: NATS) -> dict[str, Any] | None:
    kv = await pool_bucket(nc.jetstream())
    try:
        entry = await kv.get(CURRENT_KEY)
    except (KeyNotFoundError, KeyDeletedError):
        return None
    return json.loads(entry.value) if entry.value else None


async def publish_snapshot(
    nc: NATS, snapshot: dict[str, Any], diff: dict[str, Any], *, timeout_s: float = 10.0
) -> int:
    """Store the snapshot (versioned key, then `current`) and announce it; returns the
    revision of `current`."""
    js = nc.jetstream(timeout=timeout_s)
    kv = await pool_bucket(js)
    data = encode(snapshot)
    version = str(snapshot["version"])
    await kv.put(VERSION_PREFIX + version, data)
    revision = await kv.put(CURRENT_KEY, data)
    await ensure_stream(js)
    event = {
        "version": version,
        "previous_version": diff.get("from"),
        "revision": revision,
        "rollback": snapshot.get("rollback_of") is not None,
        "diff": diff,
    }
    await publish(
        js,
        POOL_SUBJECT,
        json.dumps(event).encode(),
        f"pool-{version}-{revision}",
        timeout=timeout_s,
    )
    return revision


async def rollback_target(nc: NATS, to_version: str | None) -> dict[str, Any] | None:
    """The snapshot to go back to: the named version, else the newest earlier revision of
    `current` whose version differs from the live one."""
    kv = await pool_bucket(nc.jetstream())
    if to_version:
        try:
            entry = await kv.get(VERSION_PREFIX + to_version)
        except (KeyNotFoundError, KeyDeletedError):
            return None
        return json.loads(entry.value) if entry.value else None
    try:
        history = await kv.history(CURRENT_KEY)
    except NoKeysError:
        return None
    values = [json.loads(e.value) for e in history if e.value]
    if not values:
        return None
    live = values[-1].get("version")
    for snapshot in reversed(values[:-1]):
        if snapshot.get("version") != live:
            return dict(snapshot)
    return None
