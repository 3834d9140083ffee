from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.harness import Stack, private_stack


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    # One edge worker: the tests that kill or count processes expect one edge process;
    # the edge's workers are tested on a stack of their own (test_edge_workers.py).
    with private_stack("tk-stack-", TOKAROO_EDGE_WORKERS="1") as running:
        yield running
