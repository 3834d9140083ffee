from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import Stack, running_stack


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    # A short private path (the PostgreSQL socket path is limited to 107 bytes), outside
    # pytest's numbered temp dirs, which concurrent pytest runs may clean up.
    home = Path(tempfile.mkdtemp(prefix="tk-stack-"))
    try:
        # One edge worker: the tests that kill or count processes expect one edge process;
        # the edge's workers are tested on a stack of their own (test_edge_workers.py).
        with running_stack(home, TOKAROO_EDGE_WORKERS="1") as running:
            yield running
    finally:
        if os.environ.get("TOKAROO_KEEP_TEST_STACK"):  # its logs, to read after a failure
            print(f"\nshared test stack kept in {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
