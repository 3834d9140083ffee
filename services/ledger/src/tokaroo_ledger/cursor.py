"""Opaque pagination cursors for ListUsage, pure: base64url of (created_at, request_id).

created_at is kept to the microsecond (PostgreSQL's resolution), so a cursor names a row
exactly and keyset pagination `(created_at, request_id) < cursor` never skips or repeats."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime, timedelta

from tokaroo_common.errors import InvalidRequest

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_LEN = 512


def encode(created_at: datetime, request_id: str) -> str:
    micros = (created_at - _EPOCH) // timedelta(microseconds=1)
    raw = f"{micros}|{request_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> tuple[datetime, str]:
    """Inverse of `encode`; raises InvalidRequest on anything else."""
    if len(cursor) > _MAX_LEN:
        raise InvalidRequest("Invalid cursor.", param="cursor")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        micros_text, sep, request_id = raw.partition("|")
        if not sep or not request_id:
            raise ValueError("missing request id")
        created_at = _EPOCH + timedelta(microseconds=int(micros_text))
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError) as exc:
        raise InvalidRequest("Invalid cursor.", param="cursor") from exc
    return created_at, request_id
