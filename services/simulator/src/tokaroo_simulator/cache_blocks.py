"""A request body as the blocks of its prompt, in the order each provider caches them (tools,
system, messages), with the bytes exactly as the client sent them. Pure.

Byte-exactness is the point: a gateway that reorders keys or tools between two turns changes
the bytes, and the provider's prefix cache misses, as it would for real."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from tokaroo_simulator.prompt_cache import CacheBlock


def _dump(value: Any) -> bytes:
    return orjson.dumps(value)  # keys in the order received: no sorting, on purpose


def openai_blocks(body: Mapping[str, Any]) -> list[CacheBlock]:
    """Chat completions: the tools, then each message."""
    out = [CacheBlock(_dump(t)) for t in body.get("tools") or []]
    out += [CacheBlock(_dump(m)) for m in body.get("messages") or []]
    return out


def responses_blocks(body: Mapping[str, Any]) -> list[CacheBlock]:
    """Responses: the tools, the instructions, then each input item."""
    out = [CacheBlock(_dump(t)) for t in body.get("tools") or []]
    if body.get("instructions"):
        out.append(CacheBlock(_dump(body["instructions"])))
    items = body.get("input")
    out += [
        CacheBlock(_dump(i))
        for i in (items if isinstance(items, list) else [items])
        if i is not None
    ]
    return out


def _ttl(block: Any) -> str | None:
    cc = block.get("cache_control") if isinstance(block, Mapping) else None
    if not isinstance(cc, Mapping):
        return None
    ttl = cc.get("ttl", "5m")
    return ttl if isinstance(ttl, str) else "invalid"


def _marked(block: Any) -> CacheBlock:
    if not isinstance(block, Mapping):
        return CacheBlock(_dump(block))
    bare = {k: v for k, v in block.items() if k != "cache_control"}
    return CacheBlock(_dump(bare), _ttl(block))


def anthropic_blocks(body: Mapping[str, Any]) -> list[CacheBlock]:
    """Messages: each tool, each system block, then each content block of each message (a
    string content is one block). `cache_control` marks a breakpoint and is not hashed."""
    out = [_marked(t) for t in body.get("tools") or []]
    system = body.get("system")
    if isinstance(system, str) and system:
        out.append(CacheBlock(_dump(system)))
    elif isinstance(system, list):
        out += [_marked(b) for b in system]
    for m in body.get("messages") or []:
        if not isinstance(m, Mapping):
            continue
        role = str(m.get("role", "")).encode()
        content = m.get("content")
        if isinstance(content, str):
            out.append(CacheBlock(role + b":" + _dump(content)))
            continue
        for i, block in enumerate(content if isinstance(content, list) else []):
            b = _marked(block)
            out.append(CacheBlock(role + b":" + b.data, b.ttl) if i == 0 else b)
    return out


def gemini_blocks(body: Mapping[str, Any]) -> list[CacheBlock]:
    """generateContent: the tools, the system instruction, then each content."""
    out = [CacheBlock(_dump(t)) for t in body.get("tools") or []]
    system = body.get("systemInstruction") or body.get("system_instruction")
    if system:
        out.append(CacheBlock(_dump(system)))
    out += [CacheBlock(_dump(c)) for c in body.get("contents") or []]
    return out
