"""Dependencies point down: services -> libs, never libs -> services.

- No module under libs/ (sources and tests) imports a service package, by an import statement
  or by a literal module name given to importlib; a library's pyproject depends on no service.
  The CLI finds the services' migrations and subcommands through entry points
  (`tokaroo.migrations`, `tokaroo.commands`), never by importing them.
- The lowest library (tokaroo_common) and the generated stubs never import the CLI.
- The research job and the edge use only the router's public surface (`tokaroo_router`, its
  __init__: the pool-snapshot contract and the in-process decision), never its internals
  (`tokaroo_router.<module>`).
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "pyproject.toml").exists())
SERVICE_PACKAGES = {f"tokaroo_{name}" for name in SERVICES}


def imported_modules(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) of every import in a file, and of every literal string given to
    `import_module(...)` / `__import__(...)`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            func = node.func
            name = (
                func.attr
                if isinstance(func, ast.Attribute)
                else func.id
                if isinstance(func, ast.Name)
                else ""
            )
            if name in ("import_module", "__import__"):
                yield node.lineno, node.args[0].value


def offenders(folder: Path, banned: set[str]) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*.py")):
        for line, module in imported_modules(path):
            if module.split(".")[0] in banned:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return found


def test_the_service_list_is_found() -> None:
    assert {"tokaroo_edge", "tokaroo_router", "tokaroo_ledger"} <= SERVICE_PACKAGES


@pytest.mark.parametrize(
    "lib", sorted(p.name for p in (ROOT / "libs").iterdir() if (p / "pyproject.toml").exists())
)
def test_libraries_import_no_service(lib: str) -> None:
    assert offenders(ROOT / "libs" / lib, SERVICE_PACKAGES) == []


@pytest.mark.parametrize("lib", ["common", "proto"])
def test_the_lowest_libraries_do_not_import_the_cli(lib: str) -> None:
    assert offenders(ROOT / "libs" / lib, {"tokaroo_cli"}) == []


@pytest.mark.parametrize(
    "lib", sorted(p.name for p in (ROOT / "libs").iterdir() if (p / "pyproject.toml").exists())
)
def test_library_projects_depend_on_no_service(lib: str) -> None:
    project = tomllib.loads((ROOT / "libs" / lib / "pyproject.toml").read_text())["project"]
    deps = {
        d.split(">")[0].split("=")[0].split("[")[0].strip().replace("_", "-")
        for d in project.get("dependencies", [])
    }
    assert deps & {f"tokaroo-{name}" for name in SERVICES} == set()


@pytest.mark.parametrize("service", ["research", "edge"])
def test_other_services_use_only_the_routers_public_surface(service: str) -> None:
    src = ROOT / "services" / service / "src"
    internal = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted(src.rglob("*.py"))
        for line, module in imported_modules(path)
        if module.startswith("tokaroo_router.")
    ]
    assert internal == []


def test_the_detector_sees_every_import_form(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text(
        "import tokaroo_edge.app\nfrom tokaroo_cache import x\n"
        "import importlib\nimportlib.import_module('tokaroo_ledger.migrate')\n"
        "from . import sibling\n"
    )
    assert [m for _, m in imported_modules(sample)] == [
        "tokaroo_edge.app",
        "tokaroo_cache",
        "importlib",
        "tokaroo_ledger.migrate",
    ]
