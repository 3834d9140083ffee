"""The exact-cache key: a hash of every field that changes the answer, and nothing else."""

from __future__ import annotations

import hashlib

import orjson

from tokaroo_edge.schemas import ChatCompletionRequest

_ANSWER_FIELDS = ("tools", "tool_choice", "response_format", "temperature", "top_p", "seed",
                  "stop", "max_tokens", "max_completion_tokens", "n", "presence_penalty",
                  "frequency_penalty", "logit_bias", "parallel_tool_calls")


def exact_key(req: ChatCompletionRequest) -> str:
    doc = {
        "model": req.model,
        "messages": [m.model_dump(exclude_none=True) for m in req.messages],
        **{f: getattr(req, f) for f in _ANSWER_FIELDS},
    }
    return hashlib.sha256(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)).hexdigest()
