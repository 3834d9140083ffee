"""The bootstrap tenant of the local stack: created once, its key kept in $TOKAROO_HOME."""

from __future__ import annotations

import os
from pathlib import Path

from tokaroo_common.grpc_channel import internal_channel
from tokaroo_common.money import usd_to_nano
from tokaroo_proto.ledger.v1 import ledger_pb2, ledger_pb2_grpc

KEY_FILE = "bootstrap-key"


def read_saved_key(home: Path) -> str | None:
    path = home / KEY_FILE
    if path.exists():
        text = path.read_text().strip()
        return text or None
    return None


def save_key(home: Path, key: str) -> Path:
    path = home / KEY_FILE
    path.write_text(key + "\n")
    os.chmod(path, 0o600)
    return path


async def ensure_bootstrap_tenant(
    ledger_addr: str, home: Path, credit_usd: object, pinned_key: str | None
) -> str:
    """Create (or find, idempotently) the bootstrap tenant; return its API key."""
    pinned = pinned_key or read_saved_key(home) or ""
    async with internal_channel(ledger_addr) as channel:
        stub = ledger_pb2_grpc.LedgerServiceStub(channel)
        created = await stub.CreateTenant(
            ledger_pb2.CreateTenantRequest(
                name="bootstrap",
                initial_credit_nano=usd_to_nano(str(credit_usd)),
                key_name="bootstrap",
                pinned_secret=pinned,
            ),
            timeout=10,
            wait_for_ready=True,
        )
    key = pinned or created.key.secret
    save_key(home, key)
    return key
