"""Valkey key layout of the exact cache, the one definition the edge (which reads and writes
entries) and the cache service (which also invalidates them) share. Every key starts with the
tenant (in a hash tag, so a tenant's keys share one cluster slot), so no lookup can reach
another tenant's entries, and a tenant's entries can be found and deleted together. Pure."""

from __future__ import annotations

PREFIX = "tokaroo:cache:v1"
_RESERVED = frozenset("{}*?[]\\")  # hash tag and SCAN pattern characters


def _tenant(tenant_id: str) -> str:
    if not tenant_id:
        raise ValueError("tenant_id is required")
    if not _RESERVED.isdisjoint(tenant_id):
        raise ValueError("tenant_id has characters reserved by the key layout")
    return f"{PREFIX}:{{{tenant_id}}}"


def exact_key(tenant_id: str, request_key: str) -> str:
    if not request_key:
        raise ValueError("tenant_id and request_key are required")
    return f"{_tenant(tenant_id)}:exact:{request_key}"


def index_key(tenant_id: str) -> str:
    """Sorted set of the tenant's request keys scored by creation time (ms): bounds the
    number of entries per tenant and finds entries older than a given time."""
    return f"{_tenant(tenant_id)}:index"


def tenant_pattern(tenant_id: str) -> str:
    return f"{_tenant(tenant_id)}:*"
