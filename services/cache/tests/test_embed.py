"""The OpenAI-compatible embedder against a fake endpoint (httpx.MockTransport)."""

from __future__ import annotations

import base64
import json

import httpx
import numpy as np
import pytest
from tokaroo_cache.embed import MemoEmbedder, OpenAIEmbedder


def endpoint(dim: int, *, as_base64: bool = True) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/embeddings"
        assert request.headers["authorization"] == "Bearer sk-test"
        body = json.loads(request.content)
        assert body["encoding_format"] == "base64" and body["model"] == "e5"
        data = []
        for i, text in reversed(list(enumerate(body["input"]))):
            vec = np.full(dim, float(len(text)), dtype="<f4")
            emb: object = base64.b64encode(vec.tobytes()).decode() if as_base64 else vec.tolist()
            data.append({"index": i, "embedding": emb, "object": "embedding"})
        return httpx.Response(200, json={"data": data, "object": "list"})

    return httpx.MockTransport(handle)


async def test_openai_embedder_decodes_orders_and_normalizes() -> None:
    e = OpenAIEmbedder(
        "http://emb/v1", "e5", "sk-test", dim=4, prefix="query: ", transport=endpoint(4)
    )
    rows = await e.embed(["a", "bbb"])
    await e.aclose()
    assert rows.shape == (2, 4) and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0)


async def test_openai_embedder_accepts_float_lists_and_checks_dims() -> None:
    ok = OpenAIEmbedder(
        "http://emb/v1", "e5", "sk-test", dim=3, transport=endpoint(3, as_base64=False)
    )
    assert (await ok.embed(["x"])).shape == (1, 3)
    await ok.aclose()
    wrong = OpenAIEmbedder("http://emb/v1", "e5", "sk-test", dim=384, transport=endpoint(3))
    with pytest.raises(ValueError):
        await wrong.embed(["x"])
    await wrong.aclose()


class CountingEmbedder:
    """A fake inner embedder: one-hot rows by text length, and a record of each call."""

    dim = 8

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    async def embed(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.eye(self.dim, dtype=np.float32)[[len(t) % self.dim for t in texts]]

    async def aclose(self) -> None:
        pass


async def test_memo_embedder_embeds_each_text_once_and_keeps_order() -> None:
    inner = CountingEmbedder()
    memo = MemoEmbedder(inner, max_entries=3)
    first = await memo.embed(["a", "bb", "a"])
    assert inner.calls == [["a", "bb"]]
    assert first.shape == (3, 8) and (first[0] == first[2]).all()
    again = await memo.embed(["bb", "ccc"])  # Store after Lookup: only the new text
    assert inner.calls[-1] == ["ccc"]
    assert (again[0] == first[1]).all()
    await memo.embed(["dddd"])  # a fourth text evicts the least recently used ("a")
    await memo.embed(["a"])
    assert inner.calls[-1] == ["a"]
    assert (await memo.embed([])).shape == (0, 8)


async def test_memo_embedder_stays_bounded_and_reuses_rows_correctly() -> None:
    inner = CountingEmbedder()
    memo = MemoEmbedder(inner, max_entries=4)
    expected = {}
    for i in range(40):
        texts = [f"t{i}", f"t{i % 3}", "x" * (i % 5 + 1)]
        out = await memo.embed(texts)
        for text, row in zip(texts, out, strict=True):
            expected.setdefault(text, row.copy())
            assert (row == expected[text]).all(), text  # a reused row never mixes texts up
        assert len(memo) <= 4
    calls = len(inner.calls)
    await memo.embed(["t39"])  # the most recent text is still remembered
    assert len(inner.calls) == calls
