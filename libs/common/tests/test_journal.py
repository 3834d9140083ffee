"""The outbox's write-ahead journal: segments appear, rotate, and go once published."""

from __future__ import annotations

from pathlib import Path

from tokaroo_common.journal import Journal
from tokaroo_common.outbox import OutboxItem


def _item(i: int) -> OutboxItem:
    return OutboxItem("tokaroo.events.completion", bytes([i % 256]) * 3, f"r-{i}", {"h": "v"})


def test_segments_rotate_and_are_removed_once_published(tmp_path: Path) -> None:
    journal = Journal(tmp_path, segment_events=2)
    assert journal.recover() == []
    segments = [journal.append(_item(i)) for i in range(5)]
    assert segments == [0, 0, 1, 1, 2]
    assert len(list(tmp_path.iterdir())) == 3
    journal.done(0)
    journal.done(0)
    assert len(list(tmp_path.iterdir())) == 2  # segment 0 fully published: gone
    for seg in segments[2:]:
        journal.done(seg)
    assert len(list(tmp_path.iterdir())) == 1  # the current one stays open...
    journal.close()
    assert not list(tmp_path.iterdir())  # ...until closed with nothing outstanding
    assert journal.outstanding == 0


def test_a_killed_process_leaves_what_was_not_published(tmp_path: Path) -> None:
    first = Journal(tmp_path, segment_events=3)
    segments = [first.append(_item(i)) for i in range(7)]
    for seg in segments[:3]:
        first.done(seg)  # r-0..2 published; then the process is killed (no close)
    with (tmp_path / "segment-000000000002.jsonl").open("ab") as fh:
        fh.write(b'{"subject": "cut by the ki')  # the kill cut the last line
    second = Journal(tmp_path, segment_events=3)
    events = second.recover()
    assert [e[2] for e in events] == [f"r-{i}" for i in range(3, 7)]
    assert events[0][1] == bytes([3]) * 3 and events[0][3] == {"h": "v"}
    assert second.append(_item(9)) == 3  # numbering goes on after the recovered segments
    second.forget_recovered()
    assert [p.name for p in tmp_path.iterdir()] == ["segment-000000000003.jsonl"]
