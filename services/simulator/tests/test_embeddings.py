from __future__ import annotations

import base64
import math
import struct

from tokaroo_simulator.embeddings import cosine, dims_for_model, embed, to_base64


def test_dims_by_model_and_request() -> None:
    assert dims_for_model("text-embedding-3-small") == 1536
    assert dims_for_model("text-embedding-004") == 768
    assert dims_for_model("text-embedding-3-small", 256) == 256


def test_unit_norm_deterministic_and_similarity_follows_words() -> None:
    a = embed("What is the capital of France?", 768)
    assert len(a) == 768 and math.isclose(math.sqrt(sum(x * x for x in a)), 1.0, rel_tol=1e-5)
    assert embed("What is the capital of France?", 768) == a
    assert cosine(a, embed("what is the capital of france", 768)) > 0.99
    assert cosine(a, embed("What is the capital of Spain?", 768)) > 0.6
    assert abs(cosine(a, embed("Tell me a story about dragons", 768))) < 0.3


def test_base64_is_little_endian_float32_of_the_same_values() -> None:
    values = embed("hello", 16)
    raw = base64.b64decode(to_base64(values))
    assert list(struct.unpack("<16f", raw)) == values
