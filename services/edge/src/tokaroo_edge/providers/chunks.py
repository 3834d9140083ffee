"""Chat-completion chunks as a translated stream emits them: the role chunk once, before the
first delta, then one chunk per delta. Shared by the stream translators of the providers
that do not speak chat completions (Anthropic, Gemini)."""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]


def is_preamble(chunk: Json) -> bool:
    """A chunk that opens a stream without any of its answer: choices whose deltas hold a role
    and nothing else but empty values, with no finish reason and no usage (OpenAI's first
    chunk, `{"role": "assistant", "content": ""}`). Anything else (text, a tool call, a
    refusal, a finish, usage, a chunk without choices) is part of the answer."""
    choices = chunk.get("choices")
    if not choices or chunk.get("usage"):
        return False
    for choice in choices:
        if not isinstance(choice, dict) or choice.get("finish_reason"):
            return False
        delta = choice.get("delta") or {}
        if any(value not in (None, "", [], {}) for key, value in delta.items() if key != "role"):
            return False
    return True


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
