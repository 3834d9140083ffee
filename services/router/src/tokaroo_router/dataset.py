"""Routing evaluation data: RouteLLM-format CSVs and {"prompt", "weak", "strong"} JSONL files.

Layout read from a folder (any depth):
- `<bench>/.../*.csv`: a `prompt` column, then one boolean (or numeric) column per model, weak
  then strong; `*_response` columns are ignored. MMLU files `mmlu_<subject>.csv` keep the
  subject as the row's group, which is what held-out evaluation splits on.
- `*.jsonl` (except `contaminated_prompts.jsonl`): one {"prompt", "weak", "strong"} object per
  line with numeric quality scores; an optional "category" or "subject" becomes the group.
- `contaminated_prompts.jsonl`: prompts (`eval_prompt` and `train_prompt`) dropped everywhere.

Every other file, or a CSV / JSONL file that is not in one of these shapes, is skipped with the
reason (`Dataset.skipped`), never silently and never as a bare `KeyError`.
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
    files: dict[str, str]  # relative path -> sha256 of the file (the files read)
    skipped: dict[str, str]  # relative path -> why it was not read


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
        header = next(reader, None)
        if header is None:
            raise ValueError("empty file")
        cols = [i for i, h in enumerate(header) if h != "prompt" and not h.endswith("_response")]
        if "prompt" not in header or len(cols) < 2:
            raise ValueError("expected a prompt column and two model columns (weak, strong)")
        p, weak, strong = header.index("prompt"), cols[0], cols[1]
        for n, rec in enumerate(reader, 2):
            if not rec:
                continue
            try:
                rows.append(Row(benchmark, group, rec[p], _value(rec[weak]), _value(rec[strong])))
            except (IndexError, ValueError):
                raise ValueError(
                    f"row {n}: the model columns must be booleans or numbers"
                ) from None
    return rows


def read_jsonl(path: Path, benchmark: str) -> list[Row]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {n} is not JSON ({exc.msg})") from None
        if not isinstance(obj, dict) or not all(k in obj for k in ("prompt", "weak", "strong")):
            raise ValueError(f'line {n}: expected an object with "prompt", "weak" and "strong"')
        try:
            weak, strong = float(obj["weak"]), float(obj["strong"])
        except (TypeError, ValueError):
            raise ValueError(f'line {n}: "weak" and "strong" must be numbers') from None
        group = str(obj.get("category") or obj.get("subject") or benchmark)
        rows.append(Row(benchmark, group, str(obj["prompt"]), weak, strong))
    return rows


def read_contaminated(root: Path) -> set[str]:
    out: set[str] = set()
    for path in sorted(root.rglob(CONTAMINATED)):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                obj = json.loads(line)
                out.update(
                    normalize(str(obj[k]))
                    for k in ("eval_prompt", "train_prompt", "prompt")
                    if k in obj
                )
    return out


def load(root: Path) -> Dataset:
    if not root.is_dir():
        raise FileNotFoundError(f"no data folder at {root}")
    bad = read_contaminated(root)
    rows: dict[str, list[Row]] = {}
    dropped: dict[str, int] = {}
    files: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = str(path.relative_to(root))
        if path.name == CONTAMINATED:
            continue  # read above
        if path.suffix not in (".csv", ".jsonl"):
            skipped[rel] = "not routing data (only .csv and .jsonl files are read)"
            continue
        bench = _benchmark_of(path, root)
        read = read_csv if path.suffix == ".csv" else read_jsonl
        try:
            got = read(path, bench)
        except (ValueError, UnicodeDecodeError, csv.Error) as exc:
            skipped[rel] = f"unknown format: {exc}"
            continue
        kept = [r for r in got if normalize(r.prompt) not in bad]
        rows.setdefault(bench, []).extend(kept)
        dropped[bench] = dropped.get(bench, 0) + len(got) - len(kept)
        files[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return Dataset(rows, dropped, files, skipped)
