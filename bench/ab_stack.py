"""One side of `bench/ab.py`: run with a tree's own interpreter and that tree as the working
directory, so the stack is that tree's code. Starts the bench stack (bench.run.bench_stack,
simulator at 0 ms, OpenAI-format providers only), makes a tenant key, writes what the driver
needs to the JSON file named by argv[1], and keeps the stack up until SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import NoReturn


def _stop(*_: object) -> NoReturn:
    # Once: a second SIGTERM (`uv run` forwards the one its process group got) would cut the
    # stack's shutdown short and leave its servers running.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise SystemExit(0)


def main(facts: Path) -> None:
    sys.path.insert(0, os.getcwd())  # the tree under test, not the driver's
    from bench.run import bench_stack
    from tests.harness import make_layout

    signal.signal(signal.SIGTERM, _stop)
    home = Path(tempfile.mkdtemp(prefix="tokaroo-ab-"))
    layout = make_layout(home).with_env(TOKAROO_ROUTER_PROVIDERS="openai")
    with bench_stack(layout) as stack:
        key = stack.new_tenant_key("1000000", name="bench-ab")
        pids = {name: p.pid for name, p in stack.procs.items() if p.pid}
        facts.write_text(
            json.dumps(
                {
                    "url": stack.base_url,
                    "key": key,
                    "simulator": stack.layout.simulator_url,
                    "pids": pids,
                }
            )
        )
        while True:
            time.sleep(1)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
