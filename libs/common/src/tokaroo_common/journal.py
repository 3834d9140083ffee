"""A write-ahead journal for the outbox: every event is appended to a segment file before it
is queued, and a segment is deleted once each of its events was published. A process killed
with SIGKILL (no chance to spill) leaves its unpublished events on disk, and the next start
publishes them again; duplicates are harmless (Nats-Msg-Id dedup and idempotent consumers).

One `os.write` per event into the page cache (no fsync): it survives the process, not the
machine. Segments are JSON lines, the same format as the outbox's spill file."""

from __future__ import annotations

import base64
import logging
import os
from pathlib import Path
from typing import Protocol

import orjson

log = logging.getLogger(__name__)

SEGMENT_PREFIX = "segment-"


class Journaled(Protocol):
    @property
    def subject(self) -> str: ...
    @property
    def data(self) -> bytes: ...
    @property
    def msg_id(self) -> str: ...
    @property
    def headers(self) -> dict[str, str] | None: ...


def encode(item: Journaled) -> bytes:
    return (
        orjson.dumps(
            {
                "subject": item.subject,
                "msg_id": item.msg_id,
                "data": base64.b64encode(item.data).decode(),
                "headers": item.headers,
            }
        )
        + b"\n"
    )


def decode(line: bytes) -> tuple[str, bytes, str, dict[str, str] | None]:
    """subject, data, msg_id, headers of one line; ValueError when it is not one."""
    try:
        row = orjson.loads(line)
        return (
            str(row["subject"]),
            base64.b64decode(row["data"]),
            str(row["msg_id"]),
            row.get("headers"),
        )
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ValueError("not a journal line") from exc


class Journal:
    """Segments `segment-<n>.jsonl` in `folder`; `append` returns the segment number that
    `done` is later called with. Not thread-safe: one event loop owns it."""

    def __init__(self, folder: Path, segment_events: int = 1000) -> None:
        self._folder = folder
        self._segment_events = segment_events
        self._outstanding: dict[int, int] = {}
        self._current = -1
        self._written = 0
        self._fd: int | None = None
        self._recovered: list[Path] = []

    def recover(self) -> list[tuple[str, bytes, str, dict[str, str] | None]]:
        """The events of the segments a previous process left; their files are removed by
        `forget_recovered` once the caller has journaled them again."""
        self._folder.mkdir(parents=True, exist_ok=True)
        self._recovered = sorted(self._folder.glob(f"{SEGMENT_PREFIX}*.jsonl"), key=_segment_number)
        events = []
        for path in self._recovered:
            for line in path.read_bytes().splitlines():
                if not line.strip():
                    continue
                try:
                    events.append(decode(line))
                except ValueError:  # a line cut by the kill: the rest is still good
                    log.error(
                        "skipping a corrupt outbox journal line", extra={"segment": path.name}
                    )
        self._current = max((_segment_number(p) for p in self._recovered), default=-1)
        return events

    def forget_recovered(self) -> None:
        for path in self._recovered:
            path.unlink(missing_ok=True)
        self._recovered = []

    def append(self, item: Journaled) -> int:
        if self._fd is None or self._written >= self._segment_events:
            self._rotate()
        assert self._fd is not None
        os.write(self._fd, encode(item))
        self._written += 1
        self._outstanding[self._current] = self._outstanding.get(self._current, 0) + 1
        return self._current

    def done(self, segment: int) -> None:
        left = self._outstanding.get(segment, 0) - 1
        if left > 0:
            self._outstanding[segment] = left
            return
        self._outstanding.pop(segment, None)
        if segment != self._current:
            self._path(segment).unlink(missing_ok=True)

    def close(self) -> None:
        """Close the current segment; remove it when all its events were published."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            if self._outstanding.get(self._current, 0) == 0:
                self._path(self._current).unlink(missing_ok=True)

    @property
    def outstanding(self) -> int:
        return sum(self._outstanding.values())

    def _rotate(self) -> None:
        previous = self._current
        if self._fd is not None:
            os.close(self._fd)
            if self._outstanding.get(previous, 0) == 0:
                self._path(previous).unlink(missing_ok=True)
        self._folder.mkdir(parents=True, exist_ok=True)
        self._current = previous + 1
        self._written = 0
        self._fd = os.open(self._path(self._current), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def _path(self, segment: int) -> Path:
        return self._folder / f"{SEGMENT_PREFIX}{segment:012d}.jsonl"


def _segment_number(path: Path) -> int:
    try:
        return int(path.stem.removeprefix(SEGMENT_PREFIX))
    except ValueError:
        return -1
