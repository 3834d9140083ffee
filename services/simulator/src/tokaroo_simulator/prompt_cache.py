"""Provider prompt caching as each provider documents it, so cost effects are measurable
offline. Pure logic over an in-process store with an explicit clock.

A request is seen as its prompt in prefix order, cut into blocks (`CacheBlock`: the bytes of
one tool, system block, message or content block, exactly as sent, with any breakpoint a client
marked on it). A prefix is identified by the sha256 of the bytes up to a cut point, per
provider and model (a cache never serves another model). The store keeps those digests in an
LRU with a time to live each; a hit refreshes it.

- OpenAI (`openai`): automatic. Prompts of 1,024 tokens or more; the cached part is the longest
  earlier prefix, counted in 128-token steps from 1,024; every step of this prompt is cached
  for later (5-10 minutes idle: 10 here; `prompt_cache_retention: "24h"` keeps it a day).
  Reported as `prompt_tokens_details.cached_tokens` (Responses: `input_tokens_details`).
- Anthropic (`anthropic`): explicit. Up to 4 `cache_control` breakpoints (more: a 400). A
  breakpoint caches the prefix up to the end of its block if that prefix is at least the
  model's minimum (1,024 / 2,048 / 4,096 tokens); a read is looked for at each breakpoint and
  at the block boundaries up to 20 blocks before it. `ttl` is `5m` (default) or `1h`. Usage
  splits the prompt into `cache_read_input_tokens`, `cache_creation_input_tokens` (with the
  5m / 1h breakdown) and `input_tokens` (the rest).
- Gemini (`gemini`): implicit. Prompts of at least 1,024 tokens (Flash) or 2,048 (Pro); the
  longest earlier prefix ending at a content boundary is reported as
  `usageMetadata.cachedContentTokenCount`; every boundary is cached for a few minutes (5).

Token positions: the simulator counts about 4 characters a token (see `content`); a cut point
at byte b of the prompt is at b // 4 tokens (the same for every request, so prefixes line up),
capped at the reported prompt, so the cached and written parts never exceed it.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

OPENAI_MIN_TOKENS = 1024
OPENAI_STEP_TOKENS = 128
OPENAI_TTL_S = 600.0
OPENAI_EXTENDED_TTL_S = 86400.0
ANTHROPIC_MAX_BREAKPOINTS = 4
ANTHROPIC_LOOKBACK_BLOCKS = 20
ANTHROPIC_TTL_S = {"5m": 300.0, "1h": 3600.0}
GEMINI_TTL_S = 300.0
DEFAULT_CAPACITY = 100_000
_SEP = b"\x1e"
BYTES_PER_TOKEN = 4  # as the simulator counts prompts (see `content.count_tokens`)


class CacheRuleError(ValueError):
    """The request breaks a caching rule the provider enforces (a 400)."""


@dataclass(frozen=True)
class CacheBlock:
    data: bytes  # the block's bytes as sent (breakpoint markers removed)
    ttl: str | None = None  # a client breakpoint on this block: "5m" or "1h"


@dataclass(frozen=True)
class CacheUsage:
    read: int = 0  # prompt tokens served from the cache
    write_5m: int = 0  # prompt tokens written with a 5-minute life (Anthropic)
    write_1h: int = 0  # prompt tokens written with a 1-hour life (Anthropic)

    @property
    def write(self) -> int:
        return self.write_5m + self.write_1h


NO_CACHE = CacheUsage()


class PrefixStore:
    """Prefix digests with an expiry each, least recently used evicted past `capacity`."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[str, tuple[float, float]] = OrderedDict()  # expiry, ttl

    def __len__(self) -> int:
        return len(self._entries)

    def hit(self, key: str, now: float) -> bool:
        """True when `key` is cached and alive; a hit refreshes its life."""
        entry = self._entries.get(key)
        if entry is None:
            return False
        expires, ttl = entry
        if expires <= now:
            del self._entries[key]
            return False
        self._entries[key] = (now + ttl, ttl)
        self._entries.move_to_end(key)
        return True

    def put(self, key: str, ttl_s: float, now: float) -> None:
        old = self._entries.get(key)
        ttl = max(ttl_s, old[1]) if old is not None and old[0] > now else ttl_s
        self._entries[key] = (now + ttl, ttl)
        self._entries.move_to_end(key)
        while len(self._entries) > self._capacity:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


@dataclass(frozen=True)
class _Prompt:
    """The prompt's bytes and its block boundaries (byte offsets, one per block end)."""

    data: bytes
    ends: tuple[int, ...]
    tokens: int

    @staticmethod
    def of(blocks: Sequence[CacheBlock], tokens: int) -> _Prompt:
        ends: list[int] = []
        at = 0
        for i, b in enumerate(blocks):
            at += len(b.data) + (len(_SEP) if i else 0)
            ends.append(at)
        return _Prompt(_SEP.join(b.data for b in blocks), tuple(ends), tokens)

    def tokens_at(self, offset: int) -> int:
        return min(offset // BYTES_PER_TOKEN, self.tokens)

    def offset_of(self, tokens: int) -> int:
        return min(tokens * BYTES_PER_TOKEN, len(self.data))

    def key(self, scope: str, offset: int) -> str:
        h = hashlib.sha256(scope.encode())
        h.update(b"\x00")
        h.update(self.data[:offset])
        return h.hexdigest()


def anthropic_min_tokens(model: str) -> int:
    """The minimum cacheable prompt per Claude model, as Anthropic documents it."""
    m = model.lower()
    if "haiku-4" in m or "opus-4-5" in m or "opus-4-6" in m:
        return 4096
    if "haiku" in m or "sonnet-4-6" in m:
        return 2048
    return 1024


def gemini_min_tokens(model: str) -> int:
    return 2048 if "pro" in model.lower() else 1024


class PromptCaches:
    """One store per provider; `usage` answers a request and records what it cached."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY, enabled: bool = True) -> None:
        self.enabled = enabled
        self._stores = {p: PrefixStore(capacity) for p in ("openai", "anthropic", "gemini")}

    def clear(self) -> None:
        for s in self._stores.values():
            s.clear()

    def usage(
        self,
        provider: str,
        model: str,
        blocks: Sequence[CacheBlock],
        tokens: int,
        now: float,
        *,
        extended: bool = False,
    ) -> CacheUsage:
        if provider == "anthropic":  # the breakpoint limit holds even with caching off
            check_breakpoints(blocks)
        store = self._stores.get(provider)
        if not self.enabled or store is None or not blocks or tokens <= 0:
            return NO_CACHE
        prompt = _Prompt.of(blocks, tokens)
        scope = f"{provider}/{model}"
        if provider == "openai":
            return _openai(
                store, prompt, scope, now, OPENAI_EXTENDED_TTL_S if extended else OPENAI_TTL_S
            )
        if provider == "anthropic":
            return _anthropic(store, prompt, blocks, scope, now, anthropic_min_tokens(model))
        return _gemini(store, prompt, scope, now, gemini_min_tokens(model))


def check_breakpoints(blocks: Sequence[CacheBlock]) -> None:
    marked = sum(1 for b in blocks if b.ttl is not None)
    if marked > ANTHROPIC_MAX_BREAKPOINTS:
        raise CacheRuleError(
            f"A maximum of {ANTHROPIC_MAX_BREAKPOINTS} blocks with "
            f"cache_control may be provided. Found {marked}."
        )
    if any(b.ttl not in (None, *ANTHROPIC_TTL_S) for b in blocks):
        raise CacheRuleError("cache_control.ttl: Input should be '5m' or '1h'")


def _openai(store: PrefixStore, p: _Prompt, scope: str, now: float, ttl: float) -> CacheUsage:
    if p.tokens < OPENAI_MIN_TOKENS:
        return NO_CACHE
    steps = range(OPENAI_MIN_TOKENS, p.tokens + 1, OPENAI_STEP_TOKENS)
    keys = [(t, p.key(scope, p.offset_of(t))) for t in steps]
    read = 0
    for t, key in reversed(keys):
        if store.hit(key, now):
            read = t
            break
    for _, key in keys:
        store.put(key, ttl, now)
    return CacheUsage(read=read)


def _gemini(store: PrefixStore, p: _Prompt, scope: str, now: float, minimum: int) -> CacheUsage:
    if p.tokens < minimum:
        return NO_CACHE
    cuts = [(p.tokens_at(end), p.key(scope, end)) for end in p.ends]
    cuts = [(t, k) for t, k in cuts if t >= minimum]
    read = next((t for t, k in reversed(cuts) if store.hit(k, now)), 0)
    for _, key in cuts:
        store.put(key, GEMINI_TTL_S, now)
    return CacheUsage(read=read)


def _anthropic(
    store: PrefixStore,
    p: _Prompt,
    blocks: Sequence[CacheBlock],
    scope: str,
    now: float,
    minimum: int,
) -> CacheUsage:
    points = [i for i, b in enumerate(blocks) if b.ttl is not None]
    if not points:
        return NO_CACHE
    # A read: the longest cached prefix at a breakpoint or a boundary up to 20 blocks before it.
    looked: set[int] = set()
    for i in points:
        looked.update(range(max(0, i - ANTHROPIC_LOOKBACK_BLOCKS + 1), i + 1))
    read_at = -1
    for j in sorted(looked, reverse=True):
        if p.tokens_at(p.ends[j]) >= minimum and store.hit(p.key(scope, p.ends[j]), now):
            read_at = j
            break
    read = p.tokens_at(p.ends[read_at]) if read_at >= 0 else 0
    # Writes: each qualifying breakpoint past the read; the tokens between the read and the
    # last of them are created, each stretch billed at the life of the breakpoint ending it.
    w5 = w1 = 0
    done = read
    for i in points:
        at = p.tokens_at(p.ends[i])
        if at < minimum:
            continue
        ttl = blocks[i].ttl or "5m"
        store.put(p.key(scope, p.ends[i]), ANTHROPIC_TTL_S[ttl], now)
        if at > done:
            if ttl == "1h":
                w1 += at - done
            else:
                w5 += at - done
            done = at
    return CacheUsage(read=read, write_5m=w5, write_1h=w1)
