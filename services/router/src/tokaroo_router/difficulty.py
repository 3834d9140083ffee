"""Request difficulty: a score in [0, 1] and its tier `instant | standard | complex`. Pure.

The text part comes from the trained model (`model.DifficultyModel`, trained offline by
`tokaroo_router.train` on the routing data): a training percentile of how much a frontier model
helps on this text. The routing data is single-turn text, so it cannot teach what tools, images,
many turns or very long inputs mean; those enter as fixed priors on the logit scale (below),
which only ever push a request up, never down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tokaroo_common.turns import last_user_text
from tokaroo_proto.conversation.v1 import conversation_pb2 as cpb
from tokaroo_proto.router.v1 import router_pb2

from tokaroo_router.model import DifficultyModel

TOOLS_PRIOR = 0.15
VISION_PRIOR = 0.10
TURN_PRIOR = 0.03  # per turn after the first
TURNS_PRIOR_MAX = 0.15
LONG_INPUT_FROM = 2000  # tokens; each doubling beyond adds LONG_INPUT_PRIOR
LONG_INPUT_PRIOR = 0.08
LONG_INPUT_PRIOR_MAX = 0.3


@dataclass(frozen=True)
class Features:
    text: str
    input_tokens: int
    turns: int
    tools: bool
    vision: bool


def request_features(request: router_pb2.RouteRequest) -> Features:
    """The features of a route request: the text is the user's latest request in their own
    words, as the model was trained on (single prompts, not a role-annotated transcript);
    the rest of the conversation enters through the turn and length priors."""
    conv = request.conversation
    turns = sum(1 for t in conv.turns if t.role == cpb.ROLE_USER)
    return Features(last_user_text(conv), request.input_tokens, turns, request.needs_tools,
                    request.needs_vision)


def prior_logit(f: Features) -> float:
    s = 0.0
    if f.tools:
        s += TOOLS_PRIOR
    if f.vision:
        s += VISION_PRIOR
    s += min(max(f.turns - 1, 0) * TURN_PRIOR, TURNS_PRIOR_MAX)
    if f.input_tokens > LONG_INPUT_FROM:
        doublings = math.log2(f.input_tokens / LONG_INPUT_FROM)
        s += min(doublings * LONG_INPUT_PRIOR, LONG_INPUT_PRIOR_MAX)
    return s


def logit(model: DifficultyModel, f: Features) -> float:
    return model.logit_text(f.text) + prior_logit(f)


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
