"""Routing evaluation data: RouteLLM-format CSVs and {"prompt", "weak", "strong"} JSONL files.

Layout read from a folder (any depth):
- `<bench>/.../*.csv`: a `prompt` column, then one boolean (or numeric) column per model, weak
  then strong; `*_response` columns are ignored. MMLU files `mmlu_<subject>.csv` keep the
  subject as the row's group, which is what held-out evaluation splits on.
- `*.jsonl` (except `contaminated_prompts.jsonl`): one {"prompt", "weak", "strong"} object per
  line with numeric quality scores; an optional "category" or "subject" becomes the group.
- `contaminated_prompts.jsonl`: prompts (`eval_prompt` and `train_prompt`) dropped everywhere.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

CONTAMINATED = "contaminated_prompts.jsonl"
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Row:
    benchmark: str
    group: str
    prompt: str
    weak: float
    strong: float


@dataclass(frozen=True)
class Dataset:
    rows: dict[str, list[Row]]  # benchmark -> rows, contaminated prompts removed
    dropped: dict[str, int]  # benchmark -> contaminated rows removed
    files: dict[str, str]  # relative path -> sha256 of the file


def normalize(prompt: str) -> str:
    return _SPACE.sub(" ", prompt.replace("\u2019", "'")).strip().lower()


def bucket(prompt: str, k: int) -> int:
    """A stable pseudo-random fold for a prompt (not Python's salted hash)."""
    return zlib.crc32(normalize(prompt).encode()) % k


def _value(cell: str) -> float:
    low = cell.strip().lower()
    if low in ("true", "false"):
        return 1.0 if low == "true" else 0.0
    return float(low)


def _benchmark_of(path: Path, root: Path) -> str:
    rel = path.relative_to(root)
    return rel.parts[0] if len(rel.parts) > 1 else path.stem


def read_csv(path: Path, benchmark: str) -> list[Row]:
    csv.field_size_limit(2**31 - 1)  # GSM8K rows carry whole model responses
    group = path.stem.removeprefix(f"{benchmark}_") if benchmark == "mmlu" else benchmark
    rows = []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        cols = [i for i, h in enumerate(header) if h != "prompt" and not h.endswith("_response")]
        if "prompt" not in header or len(cols) < 2:
            raise ValueError(f"{path}: expected a prompt column and two model columns")
        p, weak, strong = header.index("prompt"), cols[0], cols[1]
        for rec in reader:
            if rec:
                rows.append(Row(benchmark, group, rec[p], _value(rec[weak]),
                                _value(rec[strong])))
    return rows


def read_jsonl(path: Path, benchmark: str) -> list[Row]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            obj = json.loads(line)
            group = str(obj.get("category") or obj.get("subject") or benchmark)
            rows.append(Row(benchmark, group, str(obj["prompt"]), float(obj["weak"]),
                            float(obj["strong"])))
    return rows


def read_contaminated(root: Path) -> set[str]:
    out: set[str] = set()
    for path in sorted(root.rglob(CONTAMINATED)):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                obj = json.loads(line)
                out.update(normalize(str(obj[k])) for k in ("eval_prompt", "train_prompt",
                                                            "prompt") if k in obj)
    return out


def load(root: Path) -> Dataset:
    if not root.is_dir():
        raise FileNotFoundError(f"no data folder at {root}")
    bad = read_contaminated(root)
    rows: dict[str, list[Row]] = {}
    dropped: dict[str, int] = {}
    files: dict[str, str] = {}
    for path in sorted([*root.rglob("*.csv"), *root.rglob("*.jsonl")]):
        if path.name == CONTAMINATED:
            continue
        bench = _benchmark_of(path, root)
        read = read_csv if path.suffix == ".csv" else read_jsonl
        got = read(path, bench)
        kept = [r for r in got if normalize(r.prompt) not in bad]
        rows.setdefault(bench, []).extend(kept)
        dropped[bench] = dropped.get(bench, 0) + len(got) - len(kept)
        files[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return Dataset(rows, dropped, files)
