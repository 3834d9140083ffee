"""Mode-level policy shared by edge and router: which cache a model value allows."""

from __future__ import annotations

VIRTUAL_MODELS = ("auto", "fast", "max")


def cache_policy(model: str, *, embedding: bool = False) -> str:
    """`auto`: full (exact + semantic); `fast`: exact only; `max`: none; a model id: exact."""
    if embedding:
        return "exact"
    return {"auto": "full", "fast": "exact", "max": "none"}.get(model, "exact")
