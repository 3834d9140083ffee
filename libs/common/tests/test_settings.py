"""Settings: environment, then `.env` in the working directory; the providers' variables."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr
from tokaroo_common.settings import (
    PUBLIC_BASE_URLS,
    BaseServiceSettings,
    ProviderEndpoint,
    ProviderSettings,
)

PROVIDER_VARS = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "GEMINI_API_KEY",
    "GEMINI_BASE_URL",
    "LOCAL_AI_BASE_URL",
    "LOCAL_AI_API_KEY",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No provider variable from the machine, and a working directory with no `.env`."""
    for name in PROVIDER_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"TOKAROO_{name}", raising=False)
    monkeypatch.delenv("TOKAROO_LOG_LEVEL", raising=False)
    monkeypatch.chdir(tmp_path)


def test_dotenv_in_the_working_directory_is_read_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(
        "TOKAROO_LOG_LEVEL=DEBUG\nTOKAROO_NATS_URL=nats://x:1\n# a comment\nUNRELATED=1\n"
    )
    assert BaseServiceSettings().log_level == "DEBUG"
    monkeypatch.setenv("TOKAROO_LOG_LEVEL", "WARNING")
    settings = BaseServiceSettings()
    assert (settings.log_level, settings.nats_url) == ("WARNING", "nats://x:1")


def test_no_key_no_provider() -> None:
    assert ProviderSettings().provider_endpoints() == ()


def test_a_key_enables_its_provider_at_its_public_api_by_default(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "ANTHROPIC_API_KEY=sk-ant\nTOKAROO_GEMINI_API_KEY=g\nGEMINI_BASE_URL=http://gem/v1beta\n"
    )
    assert ProviderSettings().provider_endpoints() == (
        ProviderEndpoint("anthropic", PUBLIC_BASE_URLS["anthropic"], SecretStr("sk-ant")),
        ProviderEndpoint("gemini", "http://gem/v1beta", SecretStr("g")),
    )


def test_a_base_url_without_a_key_enables_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://elsewhere/v1")
    assert ProviderSettings().provider_endpoints() == ()


def test_tokaroo_form_wins_over_the_plain_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "plain")
    monkeypatch.setenv("TOKAROO_OPENAI_API_KEY", "prefixed")
    (endpoint,) = ProviderSettings().provider_endpoints()
    assert endpoint.api_key.get_secret_value() == "prefixed"


def test_environment_wins_over_dotenv_for_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("OPENAI_API_KEY=from-file\n")
    monkeypatch.setenv("OPENAI_API_KEY", "from-env")
    (endpoint,) = ProviderSettings().provider_endpoints()
    assert endpoint.api_key.get_secret_value() == "from-env"


def test_local_server_as_the_seed_writes_it(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "LOCAL_AI_BASE_URL=http://localhost:11434/v1 # Ollama\n"
        "LOCAL_AI_API_KEY=local # any string\n"
    )
    (endpoint,) = ProviderSettings().provider_endpoints()
    assert (endpoint.name, endpoint.base_url) == ("local", "http://localhost:11434/v1")


def test_keys_are_secret_in_reprs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-very-secret")
    assert "sk-very-secret" not in repr(ProviderSettings())
    assert "sk-very-secret" not in repr(ProviderSettings().provider_endpoints())
