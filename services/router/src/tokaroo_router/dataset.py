"""Routing evaluation data: RouteLLM-format CSVs, {"prompt", "weak", "strong"} JSONL files and
judged chat sets in the MT-Bench layout.

Layout read from a folder (any depth):
- `<bench>/.../*.csv`: a `prompt` column, then one boolean (or numeric) column per model, weak
  then strong; `*_response` columns are ignored. MMLU files `mmlu_<subject>.csv` keep the
  subject as the row's group, which is what held-out evaluation splits on.
- `*.jsonl` with one {"prompt", "weak", "strong"} object per line with numeric quality scores;
  an optional "category" or "subject" becomes the group.
- MT-Bench (`mt_bench`): a question file ({"question_id", "turns", "category"}, FastChat's
  `question.jsonl`) and the single-answer judgment files ({"question_id", "model", "score",
  "turn"}, FastChat's `model_judgment/gpt-4_single.jsonl`, RouteLLM's `judgements.jsonl`) in
  its folder or below. One row per question: the prompt is the first turn (RouteLLM routes
  MT-Bench on it), the later turns are kept (`Row.later_turns`), the category is the group,
  and each model's quality is its mean judged score over the turns. The benchmark is named
  after the question file's folder (`mt_bench`, or `data/mt_bench` when deeper).
- `contaminated_prompts.jsonl`: prompts (`eval_prompt` and `train_prompt`) dropped everywhere
  (an MT-Bench question when any of its turns is one).

Every other file, or a CSV / JSONL file that is not in one of these shapes, is skipped with the
reason (`Dataset.skipped`), never silently and never as a bare `KeyError`; so are judgments
without their questions, questions without judgments, and judgments of neither named model.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import zlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tokaroo_router import mt_bench

CONTAMINATED = "contaminated_prompts.jsonl"
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Row:
    benchmark: str
    group: str
    prompt: str
    weak: float
    strong: float
    later_turns: tuple[str, ...] = ()  # the user's turns after `prompt` (MT-Bench's turn 2)

    @property
    def turns(self) -> tuple[str, ...]:
        """The user's turns, first (the routed prompt) to last."""
        return (self.prompt, *self.later_turns)


@dataclass(frozen=True)
class Dataset:
    rows: dict[str, list[Row]]  # benchmark -> rows, contaminated prompts removed
    dropped: dict[str, int]  # benchmark -> contaminated rows removed
    files: dict[str, str]  # relative path -> sha256 of the file (the files read)
    skipped: dict[str, str]  # relative path -> why it was not read
    judged: dict[str, mt_bench.Judged] = field(default_factory=dict)  # MT-Bench benchmarks


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


def _objects(path: Path) -> list[tuple[int, Any]]:
    """(line number, JSON value) for each non-blank line."""
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                out.append((n, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise ValueError(f"line {n} is not JSON ({exc.msg})") from None
    return out


def _row(obj: dict[str, Any], benchmark: str) -> Row:
    try:
        weak, strong = float(obj["weak"]), float(obj["strong"])
    except (TypeError, ValueError):
        raise ValueError('"weak" and "strong" must be numbers') from None
    group = str(obj.get("category") or obj.get("subject") or benchmark)
    return Row(benchmark, group, str(obj["prompt"]), weak, strong)


@dataclass(frozen=True)
class Jsonl:
    """A JSONL file's content: one of the three lists is filled (all empty for an empty file)."""

    rows: list[Row]
    questions: list[mt_bench.Question]
    judgments: list[mt_bench.Judgment]


def read_jsonl(path: Path, benchmark: str) -> Jsonl:
    """Routing rows, MT-Bench questions or MT-Bench judgments: the first line sets which, and
    every line must have that shape."""
    objs = _objects(path)
    shape = mt_bench.kind(objs[0][1]) if objs else mt_bench.ROWS
    out = Jsonl([], [], [])
    for n, obj in objs:
        got = mt_bench.kind(obj)
        if got is None or got != shape:
            want = (
                f"{mt_bench.SHAPE_OF[shape]} like line {objs[0][0]}" if shape else mt_bench.SHAPES
            )
            keys = f" (keys: {', '.join(sorted(map(str, obj)))})" if isinstance(obj, dict) else ""
            raise ValueError(f"line {n}: expected {want}{keys}")
        try:
            if shape == mt_bench.ROWS:
                out.rows.append(_row(obj, benchmark))
            elif shape == mt_bench.QUESTIONS:
                out.questions.append(mt_bench.question(obj))
            else:
                out.judgments.append(mt_bench.judgment(obj))
        except ValueError as exc:
            raise ValueError(f"line {n}: {exc}") from None
    return out


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


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _question_folder(folder: Path, root: Path, folders: Collection[Path]) -> Path | None:
    """The folder of a judgments file's questions: its own, else the nearest one above it."""
    for f in (folder, *folder.parents):
        if f in folders:
            return f
        if f == root:
            break
    return None


def _mt_bench_name(folder: Path, root: Path) -> str:
    rel = folder.relative_to(root)
    return rel.as_posix() if rel.parts else (root.resolve().name or "mt_bench")


@dataclass
class _Loading:
    """What `load` gathers while it walks the folder."""

    root: Path
    bad: set[str]
    rows: dict[str, list[Row]] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    judged: dict[str, mt_bench.Judged] = field(default_factory=dict)

    def add(self, bench: str, got: Sequence[Row], paths: Sequence[Path]) -> None:
        kept = [r for r in got if not any(normalize(t) in self.bad for t in r.turns)]
        self.rows.setdefault(bench, []).extend(kept)
        self.dropped[bench] = self.dropped.get(bench, 0) + len(got) - len(kept)
        for p in paths:
            self.files[str(p.relative_to(self.root))] = _sha(p)

    def skip(self, paths: Iterable[Path], why: str) -> None:
        for p in paths:
            self.skipped[str(p.relative_to(self.root))] = why


def _add_mt_bench(
    acc: _Loading,
    questions: Mapping[Path, list[tuple[Path, list[mt_bench.Question]]]],
    judgments: Sequence[tuple[Path, list[mt_bench.Judgment]]],
    weak: str,
    strong: str,
) -> None:
    """Pairs each judgments file with the questions of its folder (or the nearest above)."""
    paired: dict[Path, list[tuple[Path, list[mt_bench.Judgment]]]] = {}
    for path, js in judgments:
        folder = _question_folder(path.parent, acc.root, questions)
        if folder is None:
            acc.skip([path], _NO_QUESTIONS)
        else:
            paired.setdefault(folder, []).append((path, js))
    for folder, qfiles in sorted(questions.items()):
        qpaths = [p for p, _ in qfiles]
        if folder not in paired:
            acc.skip(qpaths, _NO_JUDGMENTS)
            continue
        jpaths = [p for p, _ in paired[folder]]
        by_id = {q.qid: q for _, qs in qfiles for q in qs}
        try:
            scored, judged = mt_bench.score(
                list(by_id.values()), [j for _, js in paired[folder] for j in js], weak, strong
            )
        except ValueError as exc:
            acc.skip([*qpaths, *jpaths], f"MT-Bench judgments: {exc}")
            continue
        bench = _mt_bench_name(folder, acc.root)
        got = [
            Row(
                bench,
                s.question.category or bench,
                s.question.turns[0],
                s.weak,
                s.strong,
                s.question.turns[1:],
            )
            for s in scored
        ]
        acc.add(bench, got, [*qpaths, *jpaths])
        acc.judged[bench] = judged


_NO_QUESTIONS = (
    'MT-Bench judgments with no question file (objects with "question_id" and "turns", '
    "e.g. question.jsonl) in their folder or a folder above"
)
_NO_JUDGMENTS = (
    'MT-Bench questions with no judgments file (objects with "question_id", "model" and '
    '"score", e.g. model_judgment/gpt-4_single.jsonl) in their folder or below'
)


def load(
    root: Path,
    weak: str = mt_bench.ROUTELLM_WEAK,
    strong: str = mt_bench.ROUTELLM_STRONG,
) -> Dataset:
    """Every routing file under `root`. `weak` and `strong` name the judged models of MT-Bench
    judgments (CSV columns and {"prompt", "weak", "strong"} rows carry their own order)."""
    if not root.is_dir():
        raise FileNotFoundError(f"no data folder at {root}")
    acc = _Loading(root, read_contaminated(root))
    questions: dict[Path, list[tuple[Path, list[mt_bench.Question]]]] = {}
    judgments: list[tuple[Path, list[mt_bench.Judgment]]] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.name == CONTAMINATED:
            continue  # read above
        if path.suffix not in (".csv", ".jsonl"):
            acc.skip([path], "not routing data (only .csv and .jsonl files are read)")
            continue
        bench = _benchmark_of(path, root)
        try:
            if path.suffix == ".csv":
                acc.add(bench, read_csv(path, bench), [path])
                continue
            got = read_jsonl(path, bench)
        except (ValueError, UnicodeDecodeError, csv.Error) as exc:
            acc.skip([path], f"unknown format: {exc}")
            continue
        if got.questions:
            questions.setdefault(path.parent, []).append((path, got.questions))
        elif got.judgments:
            judgments.append((path, got.judgments))
        else:
            acc.add(bench, got.rows, [path])
    _add_mt_bench(acc, questions, judgments, weak, strong)
    return Dataset(acc.rows, acc.dropped, acc.files, acc.skipped, acc.judged)
