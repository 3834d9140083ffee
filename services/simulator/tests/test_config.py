from __future__ import annotations

from pathlib import Path

import pytest
from tokaroo_simulator.config import Settings, load_settings

from .conftest import ClientFactory


def test_defaults_env_and_flags() -> None:
    assert load_settings([], {}) == Settings()
    env = {"TOKAROO_SIM_LATENCY_MS": "25", "TOKAROO_SIM_TOKENS_PER_SECOND": "50"}
    assert load_settings([], env).latency_ms == 25
    s = load_settings(["--port", "9", "--latency-ms", "5", "--seed", "3"], env)
    assert (s.port, s.latency_ms, s.tokens_per_second, s.seed) == (9, 5, 50.0, 3)


def test_negative_values_are_refused() -> None:
    with pytest.raises(SystemExit):
        load_settings(["--latency-ms", "-1"], {})


def test_providers_flag_and_env() -> None:
    assert load_settings([], {"TOKAROO_SIM_PROVIDERS": "openai"}).providers == ("openai",)
    assert load_settings(["--providers", "anthropic, gemini"], {}).providers == (
        "anthropic",
        "gemini",
    )
    with pytest.raises(SystemExit):
        load_settings(["--providers", "openai,mistral"], {})


def test_dotenv_in_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TOKAROO_SIM_LATENCY_MS", raising=False)
    (tmp_path / ".env").write_text("TOKAROO_SIM_LATENCY_MS=7\nTOKAROO_SIM_SEED=4\n")
    monkeypatch.setenv("TOKAROO_SIM_SEED", "9")  # the environment wins
    s = load_settings([])
    assert (s.latency_ms, s.seed) == (7, 9)


async def test_only_the_providers_served_answer(make_client: ClientFactory) -> None:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    keys = {"authorization": "Bearer k", "x-api-key": "k", "anthropic-version": "2023-06-01"}
    async with make_client(providers=("openai",)) as client:
        client.headers.update(keys)
        assert (await client.post("/v1/chat/completions", json=body)).status_code == 200
        assert (
            await client.post("/v1/messages", json={**body, "max_tokens": 5})
        ).status_code == 404
        assert (await client.get("/v1beta/models")).status_code == 404
    async with make_client(providers=("anthropic",)) as client:
        client.headers.update(keys)
        assert (await client.post("/v1/chat/completions", json=body)).status_code == 404
        assert (
            await client.post("/v1/messages", json={**body, "max_tokens": 5})
        ).status_code == 200
