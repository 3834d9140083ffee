"""The console's static route: only known asset names, the right media types, the security
headers (no inline script, nothing from another origin), Stripe's return pages."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from tokaroo_edge import errors
from tokaroo_edge.routes import console


def _client() -> TestClient:
    app = FastAPI()
    errors.install(app)
    app.include_router(console.router)
    return TestClient(app)


def test_asset_names_are_plain_files_of_known_types() -> None:
    assert console.asset_type("console.js") == "text/javascript; charset=utf-8"
    assert console.asset_type("console.css") == "text/css; charset=utf-8"
    for bad in ("", "../app.py", "a/b.js", ".hidden.js", "index.html", "x.py"):
        assert console.asset_type(bad) is None


def test_pages_and_assets_are_served_with_a_strict_policy() -> None:
    client = _client()
    for path in console.PAGES:
        resp = client.get(path)
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
        csp = resp.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
    assert "/console/assets/console.js" in client.get("/console").text
    for name in (
        "console.js",
        "api.js",
        "dom.js",
        "charts.js",
        "keys.js",
        "usage.js",
        "overview.js",
        "console.css",
    ):
        resp = client.get(f"/console/assets/{name}")
        assert resp.status_code == 200, name
        text = resp.text.replace("http://www.w3.org/2000/svg", "")  # a namespace, not a URL
        assert "http://" not in text and "https://" not in text, f"{name} names another origin"
    assert client.get("/console/assets/missing.js").status_code == 404
    assert client.get("/console/assets/..%2Fapp.py").status_code == 404


def test_stripe_return_urls_land_on_the_console() -> None:
    resp = _client().get("/billing/cancel", follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/console/billing/cancel"


def test_the_console_never_names_a_model_or_provider() -> None:
    client = _client()
    text = " ".join(
        client.get(f"/console/assets/{n}").text.lower()
        for n in ("console.js", "keys.js", "usage.js", "overview.js", "charts.js")
    )
    for word in ("openai", "anthropic", "gemini", "claude", "gpt-", "llama", "provider"):
        assert word not in text, word
