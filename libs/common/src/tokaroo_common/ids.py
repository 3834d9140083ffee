"""Identifiers: UUIDv7 request ids (time-ordered)."""

from __future__ import annotations

import uuid_utils


def new_request_id() -> str:
    return str(uuid_utils.uuid7())
