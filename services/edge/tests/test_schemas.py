"""Request bodies: what the OpenAI API accepts is accepted, unbounded requests are not."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from tokaroo_edge.schemas import MAX_EMBEDDING_INPUTS, EmbeddingRequest


@pytest.mark.parametrize(
    "body",
    [
        {"input": "hello"},
        {"input": ["a", "b"]},
        {"input": [1, 2, 3]},
        {"input": [[1], [2, 3]]},
        {"input": ["x"] * MAX_EMBEDDING_INPUTS},
        {"input": "x", "dimensions": 3072},
        {"input": "x", "model": "auto", "encoding_format": "base64", "user": "u1", "extra": 1},
    ],
)
def test_embedding_requests_openai_accepts(body: dict[str, object]) -> None:
    EmbeddingRequest.model_validate(body)


@pytest.mark.parametrize(
    "body",
    [
        {"input": ""},
        {"input": []},
        {"input": ["a", ""]},
        {"input": [[]]},
        {"input": ["x"] * (MAX_EMBEDDING_INPUTS + 1)},
        {"input": "x", "dimensions": 0},
        {"input": "x", "dimensions": 4_947_300},
        {"input": "x", "encoding_format": "hex"},
        {},
    ],
)
def test_unbounded_or_malformed_embedding_requests_are_refused(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        EmbeddingRequest.model_validate(body)
