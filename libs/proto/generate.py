"""Generate the Python stubs for every proto under proto/ into libs/proto/src/tokaroo_proto.

protoc names generated modules after the proto package (tokaroo.x.v1); to keep the
top-level name `tokaroo` free for the Python SDK, imports are rewritten to tokaroo_proto.

Usage: python libs/proto/generate.py [--out DIR]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parents[2]
PROTO_DIR = ROOT / "proto"
DEFAULT_OUT = ROOT / "libs" / "proto" / "src" / "tokaroo_proto"
_IMPORT = re.compile(r"^(from|import) tokaroo\.", re.MULTILINE)


def generate(out: Path) -> None:
    files = sorted(str(p.relative_to(PROTO_DIR)) for p in PROTO_DIR.rglob("*.proto"))
    with tempfile.TemporaryDirectory() as tmp:
        args = [
            "protoc",
            f"-I{PROTO_DIR}",
            f"--python_out={tmp}",
            f"--pyi_out={tmp}",
            f"--grpc_python_out={tmp}",
            *files,
        ]
        if protoc.main(args) != 0:
            raise SystemExit("protoc failed")
        gen_root = Path(tmp) / "tokaroo"
        for old in out.glob("*/"):
            if old.is_dir() and old.name != "__pycache__":
                shutil.rmtree(old)
        for src in sorted(gen_root.rglob("*.py*")):
            rel = src.relative_to(gen_root)
            dst = out / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_text(_IMPORT.sub(r"\1 tokaroo_proto.", src.read_text()))
        for d in [p for p in out.rglob("*") if p.is_dir() and p.name != "__pycache__"]:
            (d / "__init__.py").touch()
    (out / "__init__.py").write_text('"""Generated protobuf and gRPC stubs (make proto)."""\n')
    (out / "py.typed").touch()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ns = parser.parse_args(argv)
    generate(ns.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
