"""The tenant console: static HTML, CSS and JavaScript under /console, built on the public API
only (the browser signs in with an API key it keeps in sessionStorage). No CDN, no external
asset, no build step. Stripe Checkout returns to /console/billing/success and /cancel."""

from __future__ import annotations

from importlib import resources

import anyio
from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response
from tokaroo_common.errors import NotFound

router = APIRouter(include_in_schema=False)

ASSET_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
# Everything from this origin only; no inline script or style.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-cache",
}
PAGES = ("/console", "/console/", "/console/billing/success", "/console/billing/cancel")


def asset_type(name: str) -> str | None:
    """The media type of a console asset name, None when it is not one (no paths). Pure."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    for suffix, media in ASSET_TYPES.items():
        if name.endswith(suffix):
            return media
    return None


async def _read(name: str) -> bytes:
    path = resources.files("tokaroo_edge") / "console" / name
    try:
        return await anyio.to_thread.run_sync(path.read_bytes)
    except (FileNotFoundError, IsADirectoryError) as exc:
        raise NotFound(f"Unknown console asset: {name}.") from exc


async def page(request: Request) -> Response:
    """The one page: the script shows the view of the path and the fragment."""
    return Response(
        await _read("index.html"), media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS
    )


for _path in PAGES:
    router.add_api_route(_path, page, methods=["GET"])


@router.get("/console/assets/{name}")
async def asset(name: str) -> Response:
    media = asset_type(name)
    if media is None:
        raise NotFound(f"Unknown console asset: {name}.")
    return Response(await _read(name), media_type=media, headers=SECURITY_HEADERS)


@router.get("/billing/success")
@router.get("/billing/cancel")
async def billing_return(request: Request) -> RedirectResponse:
    """Checkout return URLs configured before the console existed land on its pages."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/console{request.url.path}{query}", status_code=303)
