"""The code snippets of the public API reference (shared/seed/tokaroo-api-reference.txt), cut
out of its text by their first and last lines, so a changed reference fails loudly here.

The reference is a flattened page: snippets have no fences, so each one is named below by the
line it starts with and how it ends. CI keeps a copy of shared/ beside the repository (../shared).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
REFERENCE_CANDIDATES = (
    REPO.parent / "shared" / "seed" / "tokaroo-api-reference.txt",
    REPO / "shared" / "seed" / "tokaroo-api-reference.txt",
)
PUBLIC_BASE = "https://api.tokaroo.com/v1"


def reference_path() -> Path | None:
    return next((p for p in REFERENCE_CANDIDATES if p.is_file()), None)


def reference_text() -> str:
    path = reference_path()
    if path is None:
        pytest.skip(
            "the API reference is not beside the repository "
            f"(looked for {', '.join(str(p) for p in REFERENCE_CANDIDATES)})"
        )
    return path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Snippet:
    name: str
    language: str  # js | shell | dotenv | json5
    code: str


def _lines(text: str) -> list[str]:
    return text.splitlines()


def _cut(
    lines: list[str],
    start: str,
    *,
    end: str | None = None,
    count: int | None = None,
    braces: bool = False,
    after: int = 0,
) -> tuple[str, int]:
    """The lines from the first one (at or after index `after`) equal to `start` (stripped):
    `count` lines, or through the first line equal to `end`, or while braces stay open."""
    for i in range(after, len(lines)):
        if lines[i].strip() == start:
            break
    else:
        raise AssertionError(f"the API reference no longer has the line {start!r}")
    if count is not None:
        return "\n".join(lines[i : i + count]), i + count
    j, depth = i, 0
    while j < len(lines):
        line = lines[j]
        if braces:
            depth += line.count("{") - line.count("}")
            if depth == 0 and j > i - 1 and ("{" in "".join(lines[i : j + 1])):
                return "\n".join(lines[i : j + 1]), j + 1
        elif end is not None and line.strip() == end:
            return "\n".join(lines[i : j + 1]), j + 1
        j += 1
    raise AssertionError(f"the snippet starting {start!r} has no end in the API reference")


def snippets(text: str | None = None) -> dict[str, Snippet]:
    lines = _lines(text if text is not None else reference_text())
    out: dict[str, Snippet] = {}

    def add(name: str, language: str, code: str) -> None:
        out[name] = Snippet(name, language, code)

    add("install", "shell", _cut(lines, "npm install tokaroo", count=1)[0])
    add(
        "quickstart",
        "js",
        _cut(
            lines,
            'import { Tokaroo } from "tokaroo";',
            end="console.log(res.choices[0].message.content);",
        )[0],
    )
    swap, _ = _cut(lines, "const openai = new OpenAI({", end="});")
    add("openai-swap", "js", swap)
    chat, _ = _cut(lines, "// Non-streaming", end="}")
    add("chat", "js", chat)
    add(
        "embeddings",
        "js",
        _cut(
            lines,
            "const res = await client.embeddings.create({",
            end="const vector = res.data[0].embedding; // number[]",
        )[0],
    )
    add(
        "models",
        "js",
        _cut(lines, 'const { data } = await client._fetch("GET", "/v1/models");', count=2)[0],
    )
    add(
        "balance",
        "js",
        _cut(lines, "const { balance_usd } = await client.balance.get();", count=1)[0],
    )
    add(
        "checkout",
        "js",
        _cut(
            lines,
            'const res = await fetch("https://api.tokaroo.com/v1/billing/checkout", {',
            end="window.location.href = url; // Stripe-hosted checkout",
        )[0],
    )
    add(
        "usage",
        "js",
        _cut(lines, "const { data } = await client.usage.list({ limit: 50 });", end="// }]")[0],
    )
    add(
        "keys",
        "js",
        _cut(lines, 'const { key } = await client.keys.create("production");', count=2)[0],
    )
    add("local-env", "dotenv", _cut(lines, "# .env", end="LOCAL_DEFAULT_MODEL=llama3.2")[0])
    oc1, after = _cut(lines, "// ~/.openclaw/openclaw.json", count=1)
    body, after = _cut(lines, "{", braces=True, after=after)
    add("openclaw", "json5", oc1 + "\n" + body)
    add("openclaw-key", "shell", _cut(lines, "export TOKAROO_API_KEY=tok_...", count=1)[0])
    marker = next(i for i, line in enumerate(lines) if line.strip() == "With local models (Ollama)")
    add("openclaw-local", "json5", _cut(lines, "{", braces=True, after=marker)[0])
    return out


def adapt(code: str, base_url: str) -> str:
    """The only changes a snippet gets: the base URL and the key come from the test stack."""
    code = code.replace(PUBLIC_BASE, base_url)
    code = code.replace('apiKey: "tok_..."', "apiKey: process.env.TOKAROO_API_KEY")
    return code


def dotenv(code: str) -> dict[str, str]:
    """KEY=value lines of a .env snippet (comments after values dropped)."""
    env: dict[str, str] = {}
    for line in code.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        k, _, v = line.partition("=")
        env[k.strip()] = re.split(r"\s+#", v, maxsplit=1)[0].strip()
    return env
