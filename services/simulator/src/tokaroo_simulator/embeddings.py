"""Deterministic text embeddings. Pure.

A hashed bag of words and word pairs: every feature maps to a fixed pseudo-random dense
vector, the vectors are summed and the result is unit-normalised. The same text always gives
the same vector, and texts that share most of their words get a high cosine similarity, which
is what a semantic cache in front of a real embedding model relies on.
Values are rounded to float32, so the float list and the base64 form decode to the same numbers.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import struct
from array import array
from collections import Counter
from functools import lru_cache

_WORD = re.compile(r"\w+")
DEFAULT_DIMS = 768
_MODEL_DIMS = {"text-embedding-3-small": 1536}
MAX_DIMS = 8192


def dims_for_model(model: str, requested: int | None = None) -> int:
    if requested is not None:
        return requested
    for name, dims in _MODEL_DIMS.items():
        if name in model:
            return dims
    return DEFAULT_DIMS


def _features(text: str) -> Counter[str]:
    words = _WORD.findall(text.lower())
    if not words:
        return Counter({"\x00" + text: 1})
    feats = Counter(words)
    feats.update(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
    return feats


@lru_cache(maxsize=64)
def _lane_mask(dims: int) -> int:
    return int.from_bytes(b"\xff\xff\x00\x00" * dims, "little")


@lru_cache(maxsize=4096)
def _feature_lanes(feature: str, dims: int) -> int:
    """The feature's vector as one big integer of 32-bit lanes, each lane 0..65535."""
    raw = hashlib.shake_256(feature.encode("utf-8", "surrogatepass")).digest(dims * 4)
    return int.from_bytes(raw, "little") & _lane_mask(dims)


def embed(text: str, dims: int) -> list[float]:
    # Summing big integers adds all lanes at once in C; lanes cannot overflow below 65536 features.
    feats = _features(text)
    total = sum(w * _feature_lanes(f, dims) for f, w in feats.items())
    offset = 32768 * sum(feats.values())
    lanes = array("I")
    lanes.frombytes(total.to_bytes(dims * 4, "little"))
    acc = [lane - offset for lane in lanes]
    norm = math.sqrt(sum(a * a for a in acc)) or 1.0
    return to_float32([a / norm for a in acc])


def to_float32(values: list[float]) -> list[float]:
    return list(struct.unpack(f"<{len(values)}f", struct.pack(f"<{len(values)}f", *values)))


def to_base64(values: list[float]) -> str:
    """OpenAI's `encoding_format: "base64"`: little-endian float32, base64 encoded."""
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode("ascii")


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))
