"""Agent sessions: recognise a conversation across turns and know which models hold its warm
prompt prefix. Pure (the stores are in `session_store`).

A session is recognised by, first, an explicit hint the client sent (the edge reads
`X-Claude-Code-Session-Id`, `x-session-id`, OpenAI's `prompt_cache_key` or `user`, Anthropic's
`metadata.user_id`), else by its stable prefix: the system and developer turns, the tools
offered and the first user turn, which an agent repeats byte for byte on every turn (an end
user's id, `user:<id>`, only sharpens the prefix: one user may hold several). The key
always includes the tenant: one tenant's session is never another's, even for the same hint.

A session remembers, per model it was routed to, how many prompt tokens that model's provider
has cached for it and when: the previous turn's prompt, which this turn repeats. That prefix
is warm for `WARM_TTL_S` (the providers keep an idle prefix about 5 minutes) and only if it
reaches the providers' smallest cacheable prompt. Selection prices each candidate with its warm
tokens at the cached-read price (see `selection.session_cost`), so a session stays on the
model that holds its prefix unless the turn needs a better model, that model is failing, or
another model is cheaper even after paying for a cold prompt."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import orjson
from tokaroo_common.turns import turn_text
from tokaroo_proto.conversation.v1 import conversation_pb2 as cpb

WARM_TTL_S = 300.0  # an idle prefix stays in a provider's cache about this long
SESSION_TTL_S = 3600.0  # a session nobody continued for an hour is forgotten
MIN_CACHED_TOKENS = 1024  # below this no provider caches a prompt
MAX_WARM = 4  # models remembered per session (most recent first)
_PREFIX_ROLES = (cpb.ROLE_SYSTEM, cpb.ROLE_DEVELOPER)


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


def session_key(
    tenant_id: str, hint: str, conversation: cpb.Conversation, tools_digest: str = ""
) -> str | None:
    """The session's key, scoped to the tenant; None when the request names no session and
    has no user turn to anchor a prefix on."""
    if hint and not hint.startswith("user:"):
        return _digest("hint", tenant_id, hint)
    system = [turn_text(t) for t in conversation.turns if t.role in _PREFIX_ROLES]
    first_user = next((t for t in conversation.turns if t.role == cpb.ROLE_USER), None)
    if first_user is None:
        return None
    return _digest("prefix", tenant_id, hint, *system, tools_digest, turn_text(first_user))


@dataclass(frozen=True, slots=True)
class Warm:
    """One model's cached prefix for the session: its length in tokens and when it was sent."""

    model_id: str
    tokens: int
    at: float  # unix seconds: every replica compares it with its own wall clock


@dataclass(frozen=True, slots=True)
class Session:
    key: str
    warm: tuple[Warm, ...] = ()
    turns: int = 0

    def warm_tokens(self, now: float, ttl_s: float = WARM_TTL_S) -> dict[str, int]:
        """Per model, the prompt tokens its provider most likely still caches."""
        return {
            w.model_id: w.tokens
            for w in self.warm
            if now - w.at < ttl_s and w.tokens >= MIN_CACHED_TOKENS
        }

    def routed(self, model_id: str, prompt_tokens: int, now: float) -> Session:
        """This turn went to `model_id` with a prompt of `prompt_tokens`: that prompt is what
        the model's provider will hold for the next turn."""
        rest = tuple(w for w in self.warm if w.model_id != model_id)
        return Session(
            self.key, (Warm(model_id, prompt_tokens, now), *rest)[:MAX_WARM], self.turns + 1
        )

    def to_bytes(self) -> bytes:
        return orjson.dumps(
            {"turns": self.turns, "warm": [[w.model_id, w.tokens, w.at] for w in self.warm]}
        )

    @staticmethod
    def from_bytes(key: str, raw: bytes) -> Session | None:
        """None for anything unreadable (a session is an optimisation, never an error)."""
        try:
            doc = orjson.loads(raw)
            warm = tuple(Warm(str(m), int(t), float(a)) for m, t, a in doc["warm"])
            return Session(key, warm[:MAX_WARM], int(doc.get("turns", 0)))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return None
