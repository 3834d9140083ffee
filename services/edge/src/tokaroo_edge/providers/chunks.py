"""Chat-completion chunks as a translated stream emits them: the role chunk once, before the
first delta, then one chunk per delta. Shared by the stream translators of the providers
that do not speak chat completions (Anthropic, Gemini)."""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]


class ChunkEmitter:
    """Holds the stream's id, creation time and model (set by the translator as the upstream
    reveals them) and whether the role chunk was sent."""

    def __init__(self, created: int, model: str = "") -> None:
        self._created = created
        self._id = ""
        self._model = model
        self._started = False

    def _emit(self, delta: Json, finish: str | None = None) -> list[Json]:
        chunks = []
        if not self._started:
            self._started = True
            chunks.append(self._chunk({"role": "assistant", "content": ""}, None))
        if delta or finish:
            chunks.append(self._chunk(delta, finish))
        return chunks

    def _chunk(self, delta: Json, finish: str | None) -> Json:
        return {
            "id": self._id,
            "object": "chat.completion.chunk",
            "created": self._created,
            "model": self._model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
