"""Mode-level policy shared by edge, router and cache: which cache a model value allows, and
which requests and answers the semantic cache may compare and keep. Pure."""

from __future__ import annotations

from tokaroo_proto.cache.v1 import cache_pb2
from tokaroo_proto.conversation.v1 import conversation_pb2 as cpb

from tokaroo_common.turns import has_media

VIRTUAL_MODELS = ("auto", "fast", "max")


def cache_policy(model: str, *, embedding: bool = False) -> str:
    """`auto`: full (exact + semantic); `fast`: exact only; `max`: none; a model id: exact."""
    if embedding:
        return "exact"
    return {"auto": "full", "fast": "exact", "max": "none"}.get(model, "exact")


def semantic_eligible(conv: cpb.Conversation) -> bool:
    """Conversations the semantic cache may compare: ending in the user's own words, with
    no image, audio or file anywhere (their identity is all the cache has of them: only the
    exact cache can match them). A conversation ending in a tool result is exact-only: a
    tool's output is data (ids, numbers, records) that similar text does not make equal."""
    if not conv.turns or conv.turns[-1].role != cpb.ROLE_USER:
        return False
    return not any(has_media(t) for t in conv.turns)


def semantic_request(policy: str, conv: cpb.Conversation, shape: cpb.AnswerShape) -> bool:
    """May the semantic cache answer (and keep the answer of) this request? Policy `full`,
    an eligible conversation and a known answer shape. Anything else is exact-only: the edge
    reads and writes it without asking the cache service."""
    return policy == "full" and bool(shape.digest) and semantic_eligible(conv)


def semantic_answer(answer: cache_pb2.Answer) -> bool:
    """Answers the semantic cache keeps: complete text answers. A tool call is bound to the
    conversation it was made in (its id, its arguments): it is cached for that exact
    conversation only. A cut-off answer (`length`) fits only the same limit: exact only."""
    return answer.finish_reason == "stop" and not answer.tool_calls
