"""The OpenAI-compatible embedder against a fake endpoint (httpx.MockTransport)."""

from __future__ import annotations

import base64
import json

import httpx
import numpy as np
import pytest
from tokaroo_cache.embed import OpenAIEmbedder


def endpoint(dim: int, *, as_base64: bool = True) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/embeddings"
        assert request.headers["authorization"] == "Bearer sk-test"
        body = json.loads(request.content)
        assert body["encoding_format"] == "base64" and body["model"] == "e5"
        data = []
        for i, text in reversed(list(enumerate(body["input"]))):
            vec = np.full(dim, float(len(text)), dtype="<f4")
            emb: object = (base64.b64encode(vec.tobytes()).decode() if as_base64
                           else vec.tolist())
            data.append({"index": i, "embedding": emb, "object": "embedding"})
        return httpx.Response(200, json={"data": data, "object": "list"})
    return httpx.MockTransport(handle)


async def test_openai_embedder_decodes_orders_and_normalizes() -> None:
    e = OpenAIEmbedder("http://emb/v1", "e5", "sk-test", dim=4, prefix="query: ",
                       transport=endpoint(4))
    rows = await e.embed(["a", "bbb"])
    await e.aclose()
    assert rows.shape == (2, 4) and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0)


async def test_openai_embedder_accepts_float_lists_and_checks_dims() -> None:
    ok = OpenAIEmbedder("http://emb/v1", "e5", "sk-test", dim=3,
                        transport=endpoint(3, as_base64=False))
    assert (await ok.embed(["x"])).shape == (1, 3)
    await ok.aclose()
    wrong = OpenAIEmbedder("http://emb/v1", "e5", "sk-test", dim=384, transport=endpoint(3))
    with pytest.raises(ValueError):
        await wrong.embed(["x"])
    await wrong.aclose()
