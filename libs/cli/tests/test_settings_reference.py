"""docs/settings.md is generated from the settings classes: fresh, complete, readable."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from tokaroo_cli.config import StackSettings
from tokaroo_cli.live_providers import live_providers, provider_env
from tokaroo_cli.settings_reference import (
    DEFAULT_OUT,
    documented_names,
    main,
    registered_classes,
    render,
    settings_rows,
)
from tokaroo_cli.stack import StackLayout, service_env

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / DEFAULT_OUT


def test_docs_settings_md_is_fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["--check"]) == 0, "run: python3 -m uv run --frozen tokaroo settings-doc"


def test_check_fails_on_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "settings.md"
    stale.write_text("# old\n")
    assert main(["--check", "--out", str(stale)]) == 1
    assert main(["--out", str(stale)]) == 0
    assert main(["--check", "--out", str(stale)]) == 0


def _settings_classes_in_the_tree() -> set[str]:
    """module:Class of every class in libs/ and services/ whose base names end in Settings."""
    found = set()
    for path in [*ROOT.glob("libs/*/src/**/*.py"), *ROOT.glob("services/*/src/**/*.py")]:
        tree = ast.parse(path.read_text())
        module = path.as_posix().split("/src/", 1)[1].removesuffix(".py").replace("/", ".")
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and any(
                isinstance(b, ast.Name) and b.id.endswith("Settings") for b in node.bases
            ):
                found.add(f"{module}:{node.name}")
    return found


def test_every_settings_class_is_registered() -> None:
    registered = {f"{r.cls.__module__}:{r.cls.__qualname__}" for r in registered_classes()}
    registered |= {
        "tokaroo_common.settings:ProviderSettings",
        "tokaroo_common.settings:BaseServiceSettings",
        "tokaroo_router.config:RoutingSettings",  # a mixin: in the router's and the edge's
    }
    assert _settings_classes_in_the_tree() <= registered


def test_every_variable_the_local_stack_sets_is_documented(tmp_path: Path) -> None:
    layout = StackLayout(
        home=tmp_path,
        edge_port=1,
        nats_port=2,
        nats_monitor_port=3,
        valkey_port=4,
        postgres_port=5,
        simulator_port=6,
        router_port=7,
        cache_port=8,
        ledger_port=9,
    )
    settings = StackSettings(_env_file=None)
    env = {
        **service_env(layout),
        **provider_env(settings, live_providers(settings, simulator_url="http://sim")),
    }
    documented = documented_names(DOC.read_text())
    missing = {k for k in env if k not in documented} - {"PYTHONUNBUFFERED"}
    assert not missing


class _Example(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EX_")

    # Above,
    # on two lines.
    plain: int = 3  # and beside
    secret: SecretStr = SecretStr("")
    aliased: str | None = Field(default=None, validation_alias=AliasChoices("EX_A", "A"))
    described: bool = Field(default=True, description="from the field")


def test_rows_read_names_defaults_and_comments() -> None:
    rows = {r.names: r for r in settings_rows(_Example)}
    assert rows[("EX_PLAIN",)].text == "Above, on two lines. and beside"
    assert rows[("EX_PLAIN",)].default == "`3`"
    assert rows[("EX_SECRET",)].default == "*(empty)*"
    assert rows[("EX_A", "A")].default == "*(unset)*"
    assert rows[("EX_DESCRIBED",)].text == "from the field"


def test_the_document_names_who_reads_what() -> None:
    text = render(registered_classes())
    for heading in (
        "## edge",
        "## router",
        "## cache",
        "## ledger",
        "## analytics",
        "## research",
        "## simulator",
        "## tokaroo up (make run)",
        "## Upstream providers",
    ):
        assert heading in text
    for name in (
        "OPENAI_API_KEY",
        "TOKAROO_OPENAI_API_KEY",
        "LOCAL_AI_BASE_URL",
        "LOCAL_AI_API_KEY",
        "LOCAL_DEFAULT_MODEL",
        "TOKAROO_SIMULATOR",
        "TOKAROO_ROUTER_PROVIDERS",
        "TOKAROO_CACHE_TTL_SECONDS",
    ):
        assert name in documented_names(text), name
    assert "TOKAROO_WORKERS" not in text and "TOKAROO_CACHE_TTL_S`" not in text


def test_every_variable_the_kubernetes_manifests_set_is_documented() -> None:
    """Except those Kubernetes itself substitutes into a container's arguments (`$(NAME)`):
    a command-line flag reads them, not a settings class."""
    manifests = "\n".join(p.read_text() for p in (ROOT / "deploy" / "k8s").rglob("*.yaml"))
    named = set(
        re.findall(r"\b(?:TOKAROO_[A-Z0-9_]+|LOCAL_AI_[A-Z_]+|LOCAL_DEFAULT_MODEL)\b", manifests)
    )
    assert named, "no variable found: did the manifests move?"
    substituted = set(re.findall(r"\$\((TOKAROO_[A-Z0-9_]+)\)", manifests))
    assert not named - substituted - documented_names(DOC.read_text())
