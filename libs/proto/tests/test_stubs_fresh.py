"""The committed stubs must equal what `make proto` generates from proto/ now."""

import filecmp
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_generated_stubs_are_fresh(tmp_path: Path) -> None:
    out = tmp_path / "tokaroo_proto"
    out.mkdir()
    subprocess.run(
        [sys.executable, str(ROOT / "libs/proto/generate.py"), "--out", str(out)], check=True
    )
    committed = ROOT / "libs/proto/src/tokaroo_proto"
    fresh = sorted(
        p.relative_to(out) for p in out.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    )
    have = sorted(
        p.relative_to(committed)
        for p in committed.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )
    assert fresh == have, "stub files differ from proto/: run `make proto`"
    for rel in fresh:
        assert filecmp.cmp(out / rel, committed / rel, shallow=False), (
            f"{rel} is stale: run `make proto`"
        )
