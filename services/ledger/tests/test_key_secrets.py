from __future__ import annotations

import hashlib

from tokaroo_ledger import key_secrets


def test_generated_secret_shape_and_uniqueness() -> None:
    secrets = {key_secrets.generate_secret() for _ in range(200)}
    assert len(secrets) == 200
    for s in secrets:
        assert s.startswith("tok_")
        assert len(s) >= 4 + 43
        assert all(c.isalnum() or c in "-_" for c in s[4:])


def test_hash_is_sha256_hex_like_the_edge() -> None:
    secret = "tok_example-secret"
    assert key_secrets.hash_secret(secret) == hashlib.sha256(secret.encode()).hexdigest()
    assert len(key_secrets.hash_secret(secret)) == 64


def test_display_prefix_is_twelve_chars_and_not_the_secret() -> None:
    secret = key_secrets.generate_secret()
    prefix = key_secrets.display_prefix(secret)
    assert prefix == secret[:12] and prefix.startswith("tok_") and len(prefix) == 12


def test_normalize_hash() -> None:
    h = "A" * 64
    assert key_secrets.normalize_hash(h) == "a" * 64
    assert key_secrets.normalize_hash(" " + "0f" * 32 + "\n") == "0f" * 32
    for bad in ("", "a" * 63, "a" * 65, "g" * 64, "tok_" + "a" * 60):
        assert key_secrets.normalize_hash(bad) is None


def test_pinned_secret_rules() -> None:
    assert key_secrets.valid_pinned_secret("tok_" + "x" * 20)
    assert key_secrets.valid_pinned_secret(key_secrets.generate_secret())
    assert not key_secrets.valid_pinned_secret("short")
    assert not key_secrets.valid_pinned_secret("tok_ with spaces inside")
    assert not key_secrets.valid_pinned_secret("x" * 513)
    assert not key_secrets.valid_pinned_secret("tok_ünïcode-secret-value")
