"""Redis key layout of the exact cache. Every key starts with the tenant, so no lookup can
reach another tenant's entries, and a tenant's entries can be found and deleted together."""

from __future__ import annotations

PREFIX = "tokaroo:cache:v1"


def exact_key(tenant_id: str, request_key: str) -> str:
    if not tenant_id or not request_key:
        raise ValueError("tenant_id and request_key are required")
    return f"{PREFIX}:{{{tenant_id}}}:exact:{request_key}"


def tenant_pattern(tenant_id: str) -> str:
    return f"{PREFIX}:{{{tenant_id}}}:*"
