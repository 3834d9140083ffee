"""Every code snippet of the public API reference, run against the local stack.

Each snippet is cut out of the reference text (tests/e2e/reference.py) and changed only where
it names the public base URL or the placeholder key: those come from the test stack. JavaScript
snippets run with Node, with the `tokaroo` SDK (sdks/js) and the official `openai` package
(tests/e2e/node); the lines after a snippet only report its variables back for the asserts.
The OpenClaw configurations are run by tests/e2e/test_openclaw.py.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e import reference
from tests.e2e.nodetools import SDK_JS, build_sdk_js, install_node_clients, run, stack_env
from tests.harness import Stack, running_stack

RESULT = "__RESULT__"
TOKAROO_PRELUDE = (
    'import { Tokaroo } from "tokaroo";\n'
    "const client = new Tokaroo({ apiKey: process.env.TOKAROO_API_KEY });\n"
)


def report(**values: str) -> str:
    fields = ", ".join(f"{k}: {v}" for k, v in values.items())
    return f'\nconsole.log("\\n{RESULT}" + JSON.stringify({{ {fields} }}));\n'


@pytest.fixture(scope="module")
def snippets() -> dict[str, reference.Snippet]:
    return reference.snippets()


@pytest.fixture(scope="module")
def ref_key(stack: Stack) -> str:
    return stack.new_tenant_key("5", name="reference")


def run_js(stack: Stack, key: str, name: str, source: str) -> tuple[str, dict[str, Any]]:
    """Runs `source` as an ES module in tests/e2e/node; returns its output and report."""
    node_dir = install_node_clients()
    gen = node_dir / ".generated"
    gen.mkdir(exist_ok=True)
    script = gen / f"{name}-{uuid.uuid4().hex[:8]}.mjs"
    script.write_text(source, encoding="utf-8")
    try:
        proc = run(["node", str(script)], node_dir, env=stack_env(stack, key), timeout=120)
    finally:
        script.unlink(missing_ok=True)
    out, _, tail = proc.stdout.rpartition(RESULT)
    assert tail, f"{name}: no report\n{proc.stdout}\n{proc.stderr}"
    return out, json.loads(tail)


def snippet_js(snippets: dict[str, reference.Snippet], name: str, stack: Stack) -> str:
    return reference.adapt(snippets[name].code, stack.base_url)


def test_the_reference_has_every_snippet_this_file_runs(
    snippets: dict[str, reference.Snippet],
) -> None:
    assert set(snippets) == {
        "install",
        "quickstart",
        "openai-swap",
        "chat",
        "embeddings",
        "models",
        "balance",
        "checkout",
        "usage",
        "keys",
        "local-env",
        "openclaw",
        "openclaw-key",
        "openclaw-local",
    }


def test_install_then_quickstart(
    stack: Stack, ref_key: str, snippets: dict[str, reference.Snippet]
) -> None:
    """`npm install tokaroo` (the package built from sdks/js, packed as it would be published)
    in a fresh project, then the quickstart as written."""
    build_sdk_js()
    with tempfile.TemporaryDirectory(prefix="tk-npm-") as tmp:
        project = Path(tmp)
        packed = run(["npm", "pack", "--pack-destination", str(project)], SDK_JS)
        tarball = project / packed.stdout.strip().splitlines()[-1]
        assert tarball.is_file()
        (project / "package.json").write_text('{"name": "app", "private": true}')
        install = snippets["install"].code.split()
        assert install == ["npm", "install", "tokaroo"]
        run([*install[:2], str(tarball), "--no-audit", "--no-fund"], project)
        installed = json.loads((project / "node_modules/tokaroo/package.json").read_text())
        assert installed["name"] == "tokaroo" and not installed.get("dependencies")
        (project / "quickstart.mjs").write_text(snippet_js(snippets, "quickstart", stack))
        before = stack.balance(ref_key)
        proc = run(["node", "quickstart.mjs"], project, env=stack_env(stack, ref_key))
    assert proc.stdout.strip(), "the quickstart printed the answer"
    deadline = time.monotonic() + 15
    while stack.balance(ref_key) >= before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert stack.balance(ref_key) < before


def test_openai_sdk_one_line_swap(
    stack: Stack, ref_key: str, snippets: dict[str, reference.Snippet]
) -> None:
    code = snippet_js(snippets, "openai-swap", stack)
    assert stack.base_url in code
    source = (
        'import OpenAI from "openai";\n' + code + "\n// Everything else stays the same\n"
        'const r = await openai.chat.completions.create({ model: "auto", '
        'messages: [{ role: "user", content: "Hello!" }] });\n'
        "const ids = [];\nfor await (const m of openai.models.list()) ids.push(m.id);\n"
        'const emb = await openai.embeddings.create({ model: "text-embedding-3-small", '
        'input: "The quick brown fox" });\n'
        + report(
            content="r.choices[0].message.content",
            model="r.model",
            ids="ids",
            head="emb.data[0].embedding.slice(0, 3)",
            dims="emb.data[0].embedding.length",
        )
    )
    _, res = run_js(stack, ref_key, "openai-swap", source)
    assert res["content"] and res["model"] == "auto"
    assert {"auto", "fast", "max"} <= set(res["ids"])
    assert res["dims"] == 1536 and all(abs(x) < 1 for x in res["head"])


def test_chat_completions_and_streaming(
    stack: Stack, ref_key: str, snippets: dict[str, reference.Snippet]
) -> None:
    source = (
        TOKAROO_PRELUDE
        + snippet_js(snippets, "chat", stack)
        + report(
            content="res.choices[0].message.content",
            model="res.model",
            cost="res._tokaroo.costExact",
            cache="res._tokaroo.cache",
        )
    )
    out, res = run_js(stack, ref_key, "chat", source)
    assert res["content"] and res["model"] == "auto"
    assert Decimal(res["cost"]) > 0 and res["cache"] in {"hit", "miss"}
    assert out.strip(), "the streamed story was written to stdout"


def test_embeddings(stack: Stack, ref_key: str, snippets: dict[str, reference.Snippet]) -> None:
    source = (
        TOKAROO_PRELUDE
        + snippet_js(snippets, "embeddings", stack)
        + report(dims="vector.length", numbers="vector.every((x) => typeof x === 'number')")
    )
    _, res = run_js(stack, ref_key, "embeddings", source)
    assert res == {"dims": 1536, "numbers": True}


def test_models(stack: Stack, ref_key: str, snippets: dict[str, reference.Snippet]) -> None:
    source = TOKAROO_PRELUDE + snippet_js(snippets, "models", stack) + report(data="data")
    _, res = run_js(stack, ref_key, "models", source)
    by_id = {m["id"]: m for m in res["data"]}
    assert {"auto", "fast", "max"} <= set(by_id)
    example = by_id["gpt-4o"]  # the model of the reference's example line
    assert example["owned_by"] == "openai"
    assert set(example["pricing"]) == {"input_per_1m", "output_per_1m"}
    assert all(isinstance(v, int | float) for v in example["pricing"].values())


def test_balance(stack: Stack, ref_key: str, snippets: dict[str, reference.Snippet]) -> None:
    source = (
        TOKAROO_PRELUDE + snippet_js(snippets, "balance", stack) + report(balance_usd="balance_usd")
    )
    _, res = run_js(stack, ref_key, "balance", source)
    assert isinstance(res["balance_usd"], float | int)
    assert Decimal(str(res["balance_usd"])) == stack.balance(ref_key)


def test_add_credits_checkout(
    stack: Stack, ref_key: str, snippets: dict[str, reference.Snippet]
) -> None:
    """The raw-fetch checkout snippet: a Stripe URL when billing is configured, else the
    documented 501 not_configured error (the test stack has no Stripe keys)."""
    prelude = (
        "const key = process.env.TOKAROO_API_KEY;\n"
        "globalThis.window = { location: {} };\n"
        "const realFetch = globalThis.fetch; let seen;\n"
        "globalThis.fetch = async (...a) => { const r = await realFetch(...a); "
        "seen = { status: r.status, body: await r.clone().json() }; return r; };\n"
    )
    source = (
        prelude
        + snippet_js(snippets, "checkout", stack)
        + report(seen="seen", href="window.location.href ?? null")
    )
    _, res = run_js(stack, ref_key, "checkout", source)
    status, body = res["seen"]["status"], res["seen"]["body"]
    if status == 200:
        assert body["url"].startswith("https://") and res["href"] == body["url"]
    else:
        assert status == 501, f"POST /v1/billing/checkout answered {status}: {body}"
        assert body["error"]["code"] == "not_configured"
        assert set(body["error"]) >= {"message", "type", "param", "code"}


def test_usage_history(stack: Stack, ref_key: str, snippets: dict[str, reference.Snippet]) -> None:
    headers = {"Authorization": f"Bearer {ref_key}"}
    httpx.post(
        f"{stack.base_url}/chat/completions",
        headers=headers,
        timeout=30,
        json={"model": "auto", "messages": [{"role": "user", "content": "usage row"}]},
    ).raise_for_status()
    deadline = time.monotonic() + 15
    while not httpx.get(f"{stack.base_url}/usage", headers=headers).json()["data"]:
        assert time.monotonic() < deadline, "no usage row appeared"
        time.sleep(0.2)
    source = TOKAROO_PRELUDE + snippet_js(snippets, "usage", stack) + report(data="data")
    _, res = run_js(stack, ref_key, "usage", source)
    assert res["data"]
    for row in res["data"]:
        assert set(row) >= {
            "id",
            "tier",
            "input_tokens",
            "output_tokens",
            "charged_usd",
            "latency_ms",
            "created_at",
        }
        assert row["tier"] in {"instant", "standard", "complex"}
        assert "model" not in row and "provider" not in json.dumps(row)


def test_api_keys(stack: Stack, ref_key: str, snippets: dict[str, reference.Snippet]) -> None:
    source = TOKAROO_PRELUDE + snippet_js(snippets, "keys", stack) + report(key="key")
    _, res = run_js(stack, ref_key, "keys", source)
    key = res["key"]
    assert key.startswith("tok_")
    # GET /v1/keys - list keys (no secrets returned); DELETE /v1/keys/:id - revoke a key
    listed = httpx.get(
        f"{stack.base_url}/keys", headers={"Authorization": f"Bearer {ref_key}"}
    ).json()["data"]
    assert key not in json.dumps(listed)
    new = [k for k in listed if k["name"] == "production"]
    assert new and key.startswith(new[0]["prefix"])
    assert (
        httpx.get(
            f"{stack.base_url}/balance", headers={"Authorization": f"Bearer {key}"}
        ).status_code
        == 200
    )
    resp = httpx.delete(
        f"{stack.base_url}/keys/{new[0]['id']}", headers={"Authorization": f"Bearer {ref_key}"}
    )
    assert resp.status_code == 200
    time.sleep(1.2)  # the edge remembers a key for at most a second
    assert (
        httpx.get(
            f"{stack.base_url}/balance", headers={"Authorization": f"Bearer {key}"}
        ).status_code
        == 401
    )


@pytest.mark.slow
def test_local_models_env(stack: Stack, snippets: dict[str, reference.Snippet]) -> None:
    """The reference's `.env` for a local server, on a second stack, with LOCAL_AI_BASE_URL
    pointed at an OpenAI-compatible server here (the first stack's upstream simulator)."""
    env = reference.dotenv(snippets["local-env"].code)
    assert set(env) == {"LOCAL_AI_BASE_URL", "LOCAL_AI_API_KEY", "LOCAL_DEFAULT_MODEL"}
    env["LOCAL_AI_BASE_URL"] = stack.layout.simulator_url + "/v1"
    model = env["LOCAL_DEFAULT_MODEL"]
    stats_url = f"{stack.layout.simulator_url}/_sim/stats"

    def local_calls() -> int:
        per_model = httpx.get(stats_url).json()["requests"].get("openai", {}).get(model, {})
        return sum(per_model.values())

    home = Path(tempfile.mkdtemp(prefix="tk-local-"))
    try:
        with running_stack(home, **env) as local_stack:
            headers = {"Authorization": f"Bearer {local_stack.api_key}"}
            ids = [
                m["id"]
                for m in httpx.get(f"{local_stack.base_url}/models", headers=headers).json()["data"]
            ]
            assert model in ids
            # the local model answers when named...
            before = local_calls()
            resp = httpx.post(
                f"{local_stack.base_url}/chat/completions",
                headers=headers,
                timeout=30,
                json={"model": model, "messages": [{"role": "user", "content": "Hello!"}]},
            )
            assert resp.status_code == 200, resp.text
            assert resp.json()["model"] == model
            assert local_calls() == before + 1
            # ...and comes first for `auto` wherever it is capable: on instant-tier requests
            # (its quality clears the pool's bar there; harder tiers go to cloud models)
            before = local_calls()
            resp = httpx.post(
                f"{local_stack.base_url}/chat/completions",
                headers=headers,
                timeout=30,
                json={"model": "auto", "messages": [{"role": "user", "content": "What is 2+2?"}]},
            )
            assert resp.status_code == 200, resp.text
            assert resp.json()["model"] == "auto"
            deadline = time.monotonic() + 15
            rows: list[dict[str, Any]] = []
            while len(rows) < 2 and time.monotonic() < deadline:
                rows = httpx.get(f"{local_stack.base_url}/usage", headers=headers).json()["data"]
                time.sleep(0.2)
            assert len(rows) == 2
            if rows[0]["tier"] == "instant":
                assert local_calls() == before + 1, "auto (instant tier) went to the local model"
    finally:
        shutil.rmtree(home, ignore_errors=True)
