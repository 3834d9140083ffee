"""Request difficulty: a score in [0, 1] and its tier `instant | standard | complex`. Pure.

The score has three parts, all on the logit scale, summed, then mapped to a training
percentile (`difficulty_model.DifficultyModel.percentile`):
- the learned part: logistic models (exam questions; everything else) over shape features and
  word n-grams of the user's latest request in their own words, plus per-word scores from a
  static word-vector model (`word_vectors`), trained offline on the routing data, counted
  little on open-ended requests
  (`difficulty_model.DifficultyModel.explain_text`);
- the category prior (code, math, reasoning, extraction, STEM gain most from a strong model;
  writing, role-play, humanities least), from Arena's per-category ratings and MT-Bench's
  per-category scores, not learned from the routing data (`categories.category_gain`);
- conversation priors the single-turn routing data cannot teach: tools offered, tool results
  in the conversation (an agent loop), images, many turns, a large system prompt, very long
  inputs. They only ever push a request up, never down.

`explain` returns the parts, for internal logs and metrics (never for users).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tokaroo_common.turns import has_media, turn_text
from tokaroo_proto.conversation.v1 import conversation_pb2 as cpb
from tokaroo_proto.router.v1 import router_pb2

from tokaroo_router.difficulty_model import DifficultyModel

TOOLS_PRIOR = 0.15
TOOL_RESULTS_PRIOR = 0.05  # a conversation that already ran tools is an agent at work
VISION_PRIOR = 0.10
TURN_PRIOR = 0.03  # per user turn after the first
TURNS_PRIOR_MAX = 0.15
SYSTEM_FROM = 2000  # characters of system / developer prompt; each doubling adds SYSTEM_PRIOR
SYSTEM_PRIOR = 0.03
SYSTEM_PRIOR_MAX = 0.12
LONG_INPUT_FROM = 2000  # tokens; each doubling beyond adds LONG_INPUT_PRIOR
LONG_INPUT_PRIOR = 0.08
LONG_INPUT_PRIOR_MAX = 0.3


@dataclass(frozen=True)
class Features:
    text: str
    input_tokens: int
    turns: int  # user turns
    tools: bool
    vision: bool
    tool_results: int = 0
    system_chars: int = 0
    earlier: str = ""  # the user's previous request, for a follow-up that names no task


@dataclass(frozen=True)
class Explanation:
    """Why a request got its score (internal only)."""

    learned: float
    category_prior: float
    categories: tuple[str, ...]
    conversation_prior: float
    score: float

    @property
    def reason(self) -> str:
        """A low-cardinality label for metrics: the main category, or `chat`."""
        return self.categories[0] if self.categories else "chat"


def conversation_features(
    conv: cpb.Conversation, input_tokens: int, tools: bool, vision: bool
) -> Features:
    """The text is the user's latest request in their own words, as the model was trained on
    (single prompts, not a role-annotated transcript), with the request before it for the
    categories of a follow-up that names none; the conversation's structure (user turns, tool
    results, system prompt size, images) enters through the priors."""
    users = tool_results = system_chars = 0
    media = False
    previous: cpb.Turn | None = None  # the user turn before the latest one
    latest: cpb.Turn | None = None
    for t in conv.turns:
        if t.role == cpb.ROLE_USER:
            users += 1
            previous, latest = latest, t
        elif t.role == cpb.ROLE_TOOL:
            tool_results += 1
        elif t.role in (cpb.ROLE_SYSTEM, cpb.ROLE_DEVELOPER):
            system_chars += len(turn_text(t))
        media = media or has_media(t)
    return Features(
        turn_text(latest) if latest is not None else "",
        input_tokens,
        users,
        tools,
        vision or media,
        tool_results,
        system_chars,
        turn_text(previous) if previous is not None else "",
    )


def request_features(request: router_pb2.RouteRequest) -> Features:
    return conversation_features(
        request.conversation, request.input_tokens, request.needs_tools, request.needs_vision
    )


def _doublings(value: float, start: float, per: float, cap: float) -> float:
    return min(math.log2(value / start) * per, cap) if value > start else 0.0


def prior_logit(f: Features) -> float:
    s = 0.0
    if f.tools:
        s += TOOLS_PRIOR
    if f.tool_results:
        s += TOOL_RESULTS_PRIOR
    if f.vision:
        s += VISION_PRIOR
    s += min(max(f.turns - 1, 0) * TURN_PRIOR, TURNS_PRIOR_MAX)
    s += _doublings(f.system_chars, SYSTEM_FROM, SYSTEM_PRIOR, SYSTEM_PRIOR_MAX)
    s += _doublings(f.input_tokens, LONG_INPUT_FROM, LONG_INPUT_PRIOR, LONG_INPUT_PRIOR_MAX)
    return s


def explain(model: DifficultyModel, f: Features) -> Explanation:
    learned, cat_prior, cats = model.explain_text(f.text, f.earlier)
    conv = prior_logit(f)
    return Explanation(learned, cat_prior, cats, conv, model.percentile(learned + cat_prior + conv))


def logit(model: DifficultyModel, f: Features) -> float:
    return model.logit_text(f.text, f.earlier) + prior_logit(f)


def score(model: DifficultyModel, f: Features) -> float:
    """What the router serves: the logit as a training percentile, in [0, 1]."""
    return model.percentile(logit(model, f))


def tier_of(difficulty: float, model: DifficultyModel | None = None) -> str:
    instant_below = model.instant_below if model else 0.35
    complex_from = model.complex_from if model else 0.65
    if difficulty < instant_below:
        return "instant"
    if difficulty < complex_from:
        return "standard"
    return "complex"
