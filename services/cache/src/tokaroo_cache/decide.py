"""The semantic hit decision, shared by the service and `tokaroo eval cache`. Pure.

A request is the whole conversation up to its final message, whatever its role: that message
(last) and everything before it (the context). The service asks this only for
conversations that end in the user's own words and whose answer-shaping fields agree
(`tokaroo_common.policy.semantic_request`). A cached entry may answer it only if
- the final messages have the same role;
- both have a context or neither has; when both have one, the contexts are similar
  (`context` threshold), carry the same numbers, dates and names, and the assistant turn
  the last message answers passes `turn_guard` (same offer, no flipped negation), so
  the whole conversation decides, not only the last message;
- the last messages pass every guard (negation, numbers/dates, names, scope, words
  trading sides of "to", "than", "before"...);
- the last messages' similarity reaches the threshold for how far apart their content
  words are: `same` (typos, fillers, word order), `small` (one to three content words
  swapped: the shape of nearly every trap, so it needs a near-identical embedding) or
  `reworded`.
"""

from __future__ import annotations

from dataclasses import dataclass

from tokaroo_proto.conversation.v1 import conversation_pb2 as cpb

from tokaroo_cache.guards import edit_kind, entity_guard, guard_reason, number_guard, turn_guard
from tokaroo_cache.text import Message, from_conversation


@dataclass(frozen=True)
class Thresholds:
    """Cosine similarities (multilingual-e5-small, `query: ` prefix) a candidate must reach.

    Tuned by `tokaroo eval cache --tune` on the even sha256(id) half of the fow-cache pairs
    only: the most true hits with zero even-half false hits, then each last-message
    threshold raised to 0.005 above the most similar even-half trap the guards let by (see
    evaluate.MARGIN); the conversation settings the same way on the conversation pairs. The
    odd half is the honest figure: bench/cache-eval.md. Another embedding model needs its
    own tuning."""

    same: float = 0.94  # same content words: typos, fillers, case, word order
    # one to three content words swapped (the shape of nearly every trap): never served
    small: float = 1.01
    reworded: float = 0.9608  # everything else
    context: float = 0.955  # the conversations before the last user messages
    max_context_messages: int = 16  # longer conversations are exact-cache only


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Request:
    """What the semantic cache compares: the conversation before the final message
    (context), the assistant turn a final user message answers (reply_to), the final
    message (last) and its role."""

    context: str
    last: str
    reply_to: str = ""
    context_messages: int = 0
    last_role: str = "user"

    @classmethod
    def from_messages(cls, messages: list[Message]) -> Request:
        if not messages:
            return cls("", "")
        *before, final = messages
        context = "\n".join(f"{m.role}: {m.content}" for m in before)
        reply_to = ""
        if final.role == "user":
            users = [i for i, m in enumerate(before) if m.role == "user"]
            if users:
                reply_to = "\n".join(m.content for m in before[users[-1] + 1 :])
        return cls(context, final.content, reply_to, len(before), final.role)

    @classmethod
    def from_conversation(cls, conv: cpb.Conversation) -> Request:
        return cls.from_messages(from_conversation(conv))


@dataclass(frozen=True)
class Verdict:
    serve: bool
    reason: str  # "pass" or why not
    similarity: float


@dataclass(frozen=True)
class Assessment:
    """Everything about a (cached, new) pair that does not depend on the thresholds."""

    blocked: str | None  # why no threshold can make it a hit, or None
    kind: str  # edit_kind of the last messages
    last_similarity: float
    context_similarity: float | None
    context_messages: int = 0

    def verdict(self, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Verdict:
        sim = self.last_similarity
        if self.blocked:
            return Verdict(False, self.blocked, sim)
        if self.context_messages > thresholds.max_context_messages:
            return Verdict(False, "context_length", sim)
        if self.context_similarity is not None and self.context_similarity < thresholds.context:
            return Verdict(False, "context_similarity", sim)
        needed = {"same": thresholds.same, "small": thresholds.small}.get(
            self.kind, thresholds.reworded
        )
        if sim < needed:
            return Verdict(False, f"similarity_{self.kind}", sim)
        return Verdict(True, "pass", sim)


def context_guard(cached: Request, new: Request) -> str | None:
    """The conversations before the last messages must agree: both present or both absent,
    the same numbers, dates and names, and the turn the user answers ("go ahead", "cancel
    it") must not flip its meaning."""
    if not cached.context and not new.context:
        return None
    if not cached.context or not new.context:
        return "context_presence"
    for guard, a, b in (
        (turn_guard, cached.reply_to, new.reply_to),
        (number_guard, cached.context, new.context),
        (entity_guard, cached.context, new.context),
    ):
        reason = guard(a, b)
        if reason:
            return f"context_{reason}"
    return None


def assess(
    cached: Request, new: Request, last_similarity: float, context_similarity: float | None
) -> Assessment:
    blocked: str | None = None
    if not cached.last or not new.last:
        blocked = "empty"
    elif cached.last_role != new.last_role:
        blocked = "role"
    elif cached.context and new.context and context_similarity is None:
        blocked = "context_similarity"
    blocked = blocked or context_guard(cached, new) or guard_reason(cached.last, new.last)
    kind = edit_kind(cached.last, new.last) if not blocked else ""
    return Assessment(
        blocked,
        kind,
        last_similarity,
        context_similarity,
        max(cached.context_messages, new.context_messages),
    )


def judge(
    cached: Request,
    new: Request,
    last_similarity: float,
    context_similarity: float | None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Verdict:
    """May the answer stored for `cached` be served for `new`?"""
    return assess(cached, new, last_similarity, context_similarity).verdict(thresholds)
