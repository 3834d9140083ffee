"""One image recipe for every service (services/Dockerfile, `--build-arg SERVICE=<name>`),
following the uv workspace: it copies every member's pyproject.toml (uv reads the whole
workspace), installs with `uv sync --frozen --no-dev --package tokaroo-<name>` (only the
members in that package's closure, per uv.lock), and runs as a non-root numeric user.
`make images` builds it once per service. Building needs Docker or Podman."""

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


DOCKERFILE = ROOT / "services" / "Dockerfile"


def test_one_recipe_for_every_service() -> None:
    assert sorted(p.parent.name for p in ROOT.glob("services/*/Dockerfile")) == []
    make = (ROOT / "Makefile").read_text()
    assert "for svc in " + " ".join(IMAGES) + "; do" in make
    assert "build -f services/Dockerfile --build-arg SERVICE=$$svc" in make


def test_dockerfile_uses_the_workspace() -> None:
    text = DOCKERFILE.read_text()
    froms = re.findall(r"^FROM (\S+)", text, re.M)
    assert froms and all(f == "python:3.11-slim" for f in froms)
    assert len(froms) >= 2, "multi-stage"
    copied = set(re.findall(r"^COPY (\S+/pyproject\.toml) ", text, re.M))
    assert copied == {f"{path}/pyproject.toml" for path in members().values()}
    assert "COPY pyproject.toml uv.lock ./" in text
    package = '"tokaroo-${SERVICE}"'
    assert f"uv sync --frozen --no-dev --no-install-workspace --package {package}" in text
    assert f"uv sync --frozen --no-dev --no-editable --package {package}" in text
    assert {"libs", "services"} <= set(re.findall(r"^COPY (\w+) \1$", text, re.M))
    user = re.findall(r"^USER (\S+)", text, re.M)
    assert user and re.fullmatch(r"[1-9]\d{3,}:[1-9]\d{3,}", user[-1])
    assert "COPY --from=builder /app/.venv /app/.venv" in text
    assert 'exec python -m tokaroo_%s "$@"' in text
    assert 'ENTRYPOINT ["tokaroo-service"]' in text


@pytest.mark.parametrize("service", IMAGES)
def test_every_image_is_a_workspace_package(service: str) -> None:
    """The build arg names a package whose closure the recipe copies (libs/, services/)."""
    closure = workspace_closure(f"tokaroo-{service}")
    folders = members()
    assert f"tokaroo-{service}" in closure
    assert all(folders[name].split("/")[0] in ("libs", "services") for name in closure)


def test_dockerignore_keeps_the_context_small() -> None:
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for entry in (".venv", "**/tests", "**/__pycache__", ".tokaroo"):
        assert entry in ignored
    for needed in ("libs", "services", "uv.lock", "pyproject.toml"):
        assert needed not in ignored
