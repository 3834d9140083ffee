"""API keys, pure: generate a secret, hash it, derive the prefix users see.

Only the SHA-256 (hex) of a secret is stored; the edge hashes the presented key and the ledger
looks the hash up. A secret is `tok_` + `secrets.token_urlsafe(32)` (43 chars, 256 bits)."""

from __future__ import annotations

import hashlib
import re
import secrets

SECRET_PREFIX = "tok_"
DISPLAY_PREFIX_LEN = 12
PINNED_MIN_LEN = 16
PINNED_MAX_LEN = 512

_HASH_RE = re.compile(r"[0-9a-f]{64}")
_PINNED_RE = re.compile(r"[\x21-\x7e]+")  # printable ASCII, no spaces


def generate_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """Hex SHA-256 of the secret, the same digest the edge computes."""
    return hashlib.sha256(secret.encode()).hexdigest()


def display_prefix(secret: str) -> str:
    """What users see to recognise a key, e.g. 'tok_ab12cd34'."""
    return secret[:DISPLAY_PREFIX_LEN]


def normalize_hash(key_hash: str) -> str | None:
    """The lowercase hex digest, or None if it is not a SHA-256 hex digest."""
    value = key_hash.strip().lower()
    return value if _HASH_RE.fullmatch(value) else None


def valid_pinned_secret(secret: str) -> bool:
    """A caller-chosen (bootstrap) secret: 16..512 printable ASCII characters, no spaces."""
    return PINNED_MIN_LEN <= len(secret) <= PINNED_MAX_LEN and bool(_PINNED_RE.fullmatch(secret))
