"""The local stack's providers: keys make real ones, the simulator fills the gaps (or not)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tokaroo_cli.config import StackSettings
from tokaroo_cli.live_providers import LiveProvider, describe, live_providers, provider_env
from tokaroo_cli.stack import service_env
from tokaroo_cli.up import layout_from, stack_providers

SIM = "http://127.0.0.1:18090"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("OPENAI", "ANTHROPIC", "GEMINI"):
        for var in (f"{name}_API_KEY", f"{name}_BASE_URL"):
            monkeypatch.delenv(var, raising=False)
            monkeypatch.delenv(f"TOKAROO_{var}", raising=False)
    for var in (
        "LOCAL_AI_BASE_URL",
        "LOCAL_AI_API_KEY",
        "LOCAL_DEFAULT_MODEL",
        "TOKAROO_SIMULATOR",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)


def test_no_key_every_cloud_provider_on_the_simulator() -> None:
    live = live_providers(StackSettings(), simulator_url=SIM)
    assert live == (
        LiveProvider("openai", f"{SIM}/v1", True),
        LiveProvider("anthropic", SIM, True),
        LiveProvider("gemini", f"{SIM}/v1beta", True),
    )
    env = provider_env(StackSettings(), live)
    assert env["TOKAROO_ROUTER_PROVIDERS"] == "openai,anthropic,gemini"
    assert env["TOKAROO_ANTHROPIC_BASE_URL"] == SIM


def test_dotenv_key_makes_a_real_provider_and_the_rest_stay_simulated(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "OPENAI_API_KEY=sk-test\nOPENAI_BASE_URL=http://127.0.0.1:9999/v1\n"
    )
    settings = StackSettings()
    live = live_providers(settings, simulator_url=SIM)
    assert [(p.name, p.simulated) for p in live] == [
        ("openai", False),
        ("anthropic", True),
        ("gemini", True),
    ]
    env = provider_env(settings, live)
    assert env["TOKAROO_OPENAI_BASE_URL"] == "http://127.0.0.1:9999/v1"
    assert env["TOKAROO_OPENAI_API_KEY"] == "sk-test"
    assert env["TOKAROO_GEMINI_API_KEY"] == "sim-gemini-key"
    lines = describe(live)
    assert lines[1].split() == ["openai", "->", "http://127.0.0.1:9999/v1"]
    assert lines[2].split() == ["anthropic", "->", "simulator"]


def test_simulator_off_leaves_only_configured_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKAROO_SIMULATOR", "off")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant")
    monkeypatch.setenv("LOCAL_AI_BASE_URL", "http://localhost:11434/v1")
    settings = StackSettings()
    assert settings.simulator is False
    live = stack_providers(settings, layout_from(settings))
    assert [(p.name, p.base_url) for p in live] == [
        ("anthropic", "https://api.anthropic.com"),
        ("local", "http://localhost:11434/v1"),
    ]
    env = provider_env(settings, live)
    # Switched off for the services, whatever their own .env or environment say.
    assert env["TOKAROO_OPENAI_API_KEY"] == env["TOKAROO_GEMINI_API_KEY"] == ""
    assert env["TOKAROO_ROUTER_PROVIDERS"] == "anthropic,local"
    assert env["LOCAL_AI_API_KEY"] == "local"


def test_the_layout_carries_the_providers_to_every_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOKAROO_OPENAI_API_KEY", "sk-live")
    monkeypatch.setenv("TOKAROO_HOME", str(tmp_path / "home"))
    env = service_env(layout_from(StackSettings()))
    assert env["TOKAROO_OPENAI_BASE_URL"] == "https://api.openai.com/v1"
    assert env["TOKAROO_OPENAI_API_KEY"] == "sk-live"
    assert env["TOKAROO_ANTHROPIC_API_KEY"] == "sim-anthropic-key"


def test_nothing_live_is_said_plainly() -> None:
    assert "none" in describe(())[0]
