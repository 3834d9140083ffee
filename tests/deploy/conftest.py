"""Every overlay rendered once per session."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.deploy.render import K8S, OVERLAYS, render


@pytest.fixture(scope="session")
def rendered() -> dict[str, str]:
    return {name: render(K8S / "overlays" / name) for name in OVERLAYS}


@pytest.fixture(scope="session")
def documents(rendered: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    return {name: [d for d in yaml.safe_load_all(text) if d] for name, text in rendered.items()}
