"""Prompt-cache breakpoints for Anthropic's Messages API. Pure.

Anthropic caches a prompt only up to blocks marked `cache_control` (at most 4 a request), in
the order tools -> system -> messages. A request translated from OpenAI's shape carries none
unless the client marked some, so without this module an agent's 20-turn session would pay
its whole 22 KB system prompt and tool list at full price on every turn.

- Marks the client gave (on content parts, tools or system parts, carried over by
  `anthropic_wire`) are kept as they are; past Anthropic's limit, the first three and the last
  are kept (the stable head and the longest prefix).
- With none, breakpoints are placed: the last tool (the tool list), the system prompt, the last
  block of the last message (this turn's prompt, which the next turn repeats), and the last
  block of the message before the latest assistant turn (the previous turn's prompt, found
  even when this turn added more than the 20 blocks Anthropic looks back). At most 4.
A block that cannot carry a mark (thinking) is skipped for the one before it."""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]

MAX_BREAKPOINTS = 4
EPHEMERAL: Json = {"type": "ephemeral"}
_MARKABLE = ("text", "image", "document", "tool_use", "tool_result")


def _message_blocks(body: Json) -> list[list[Json]]:
    return [m["content"] for m in body.get("messages") or [] if isinstance(m.get("content"), list)]


def marked_blocks(body: Json) -> list[Json]:
    """Every block of the request that carries `cache_control`, in prompt order."""
    out = [t for t in body.get("tools") or [] if "cache_control" in t]
    system = body.get("system")
    if isinstance(system, list):
        out += [b for b in system if "cache_control" in b]
    for blocks in _message_blocks(body):
        out += [b for b in blocks if isinstance(b, dict) and "cache_control" in b]
    return out


def _cap(marked: list[Json]) -> None:
    """Anthropic refuses more than 4 marks: keep the first three and the last."""
    for block in marked[MAX_BREAKPOINTS - 1 : -1]:
        del block["cache_control"]


def _last_markable(blocks: list[Json]) -> Json | None:
    return next((b for b in reversed(blocks) if b.get("type") in _MARKABLE), None)


def with_breakpoints(body: Json) -> Json:
    """`body` (a Messages request) with its cache breakpoints; changed in place and returned."""
    marked = marked_blocks(body)
    if marked:
        if len(marked) > MAX_BREAKPOINTS:
            _cap(marked)
        return body
    targets: list[Json] = []
    tools = body.get("tools") or []
    if tools:
        targets.append(tools[-1])
    system = body.get("system")
    if isinstance(system, str) and system:
        body["system"] = [{"type": "text", "text": system}]
        targets.append(body["system"][-1])
    elif isinstance(system, list) and system:
        targets.append(system[-1])
    messages = body.get("messages") or []
    last = _last_markable(messages[-1]["content"]) if messages else None
    previous = _previous_turn_end(messages)
    for block in (previous, last):
        if block is not None and all(block is not t for t in targets):
            targets.append(block)
    for block in targets[:MAX_BREAKPOINTS]:
        block["cache_control"] = dict(EPHEMERAL)
    return body


def _previous_turn_end(messages: list[Json]) -> Json | None:
    """The last block of the message just before the latest assistant turn: where the
    previous request's prompt ended (that request's own last breakpoint)."""
    for i in range(len(messages) - 1, 0, -1):
        if messages[i].get("role") == "assistant" and i < len(messages) - 1:
            return _last_markable(messages[i - 1]["content"])
    return None
