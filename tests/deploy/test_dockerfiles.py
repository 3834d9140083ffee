"""The service Dockerfiles follow the uv workspace: they copy every member's pyproject.toml
(uv reads the whole workspace), install with `uv sync --frozen --no-dev --package`, copy the
sources of exactly the workspace members the service depends on (per uv.lock), and run as a
non-root numeric user. Building them needs Docker or Podman (`make images`)."""

from __future__ import annotations

import re
import tomllib

import pytest

from tests.deploy.render import ROOT

IMAGES = ["edge", "router", "cache", "ledger", "research"]


def members() -> dict[str, str]:
    """Workspace package name -> its folder, relative to the root."""
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]
    found = {}
    for pattern in globs["members"]:
        for pyproject in ROOT.glob(f"{pattern}/pyproject.toml"):
            name = tomllib.loads(pyproject.read_text())["project"]["name"]
            found[name] = pyproject.parent.relative_to(ROOT).as_posix()
    return found


def workspace_closure(package: str) -> set[str]:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    deps = {p["name"]: [d["name"] for d in p.get("dependencies", [])] for p in lock["package"]}
    ws = set(members())
    seen: set[str] = set()
    todo = [package]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += deps.get(name, [])
    return seen & ws


@pytest.mark.parametrize("service", IMAGES)
def test_dockerfile_uses_the_workspace(service: str) -> None:
    text = (ROOT / "services" / service / "Dockerfile").read_text()
    froms = re.findall(r"^FROM (\S+)", text, re.M)
    assert froms and all(f == "python:3.11-slim" for f in froms)
    assert len(froms) >= 2, "multi-stage"
    copied = set(re.findall(r"^COPY (\S+/pyproject\.toml) ", text, re.M))
    assert copied == {f"{path}/pyproject.toml" for path in members().values()}
    assert "COPY pyproject.toml uv.lock ./" in text
    package = f"tokaroo-{service}"
    assert f"uv sync --frozen --no-dev --no-install-workspace --package {package}" in text
    assert f"uv sync --frozen --no-dev --no-editable --package {package}" in text
    sources = set(re.findall(r"^COPY ((?:libs|services)/[\w-]+) \1$", text, re.M))
    folders = members()
    assert sources == {folders[name] for name in workspace_closure(package)}
    user = re.findall(r"^USER (\S+)", text, re.M)
    assert user and re.fullmatch(r"[1-9]\d{3,}:[1-9]\d{3,}", user[-1])
    assert "COPY --from=builder /app/.venv /app/.venv" in text


def test_dockerignore_keeps_the_context_small() -> None:
    ignored = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    for entry in (".venv", "**/tests", "**/__pycache__", ".tokaroo"):
        assert entry in ignored
    for needed in ("libs", "services", "uv.lock", "pyproject.toml"):
        assert needed not in ignored
