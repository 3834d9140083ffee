from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tokaroo_router.pool import default_pool_path

FIXTURES = Path(__file__).with_name("fixtures")


@pytest.fixture
def seed_raw() -> dict[str, Any]:
    """The router's packaged pool.json, as raw JSON."""
    return dict(json.loads(default_pool_path().read_text()))


@pytest.fixture
def litellm_file() -> Path:
    return FIXTURES / "litellm_prices.json"
