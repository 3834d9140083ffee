"""What every provider format module offers the app: the shared shape of the three dialects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from tokaroo_simulator.content import Prompt, Reply


@dataclass(frozen=True)
class ReplyContext:
    model: str
    created: int  # unix seconds
    response_id: str  # unique per request; each format adds its own prefix


class Dialect(Protocol):
    NAME: str
    OPENING_FRAMES: int  # frames a stream sends before its first text or arguments

    def auth_error(
        self, headers: Mapping[str, str], query: Mapping[str, str]
    ) -> tuple[int, dict[str, Any]] | None: ...

    def error_body(self, status: int, message: str) -> dict[str, Any]: ...

    def parse_chat(self, body: Any) -> Prompt: ...

    def render(self, reply: Reply, ctx: ReplyContext) -> dict[str, Any]: ...

    def stream_frames(
        self, reply: Reply, ctx: ReplyContext, include_usage: bool
    ) -> list[bytes]: ...
