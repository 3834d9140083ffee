"""Record the router's APGR / CPT / cost figures on the development data.

    uv run python bench/router_eval.py --data /work/shared/data/routing \\
        --out bench/results/router-eval.json

Runs `python -m tokaroo_router.evaluate` three ways and stores each result with its command:
held-out (the honest figure: a fresh model per fold, MMLU test subjects never seen in
training), random (the APGR 0.5 reference) and the shipped artifact (in-sample on this data).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tokaroo_router import evaluate

RUNS = {"holdout": ["--holdout"], "random": ["--router", "random"], "shipped_in_sample": []}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=Path("bench/results/router-eval.json"))
    args = ap.parse_args(argv)
    out: dict[str, object] = {
        "command": f"uv run python bench/router_eval.py --data {args.data} --out {args.out}"}
    for name, extra in RUNS.items():
        cli = ["--data", str(args.data), *extra]
        result = evaluate.run(evaluate.parser().parse_args(cli))
        out[name] = {"command": "uv run python -m tokaroo_router.evaluate " + " ".join(cli),
                     **result}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
