"""What the sync and async clients share: options, URLs, retry policy, errors, SSE parsing."""

from __future__ import annotations

import email.utils
import json
import os
import random
import time
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from typing import Any

import httpx

from tokaroo._errors import APIError, TokarooError, make_error

VERSION = "0.1.0"
DEFAULT_BASE_URL = "https://api.tokaroo.com/v1"
DEFAULT_TIMEOUT = 600.0
DEFAULT_MAX_RETRIES = 2
MAX_RETRY_AFTER_S = 60.0
RETRY_STATUSES = frozenset({408, 409, 429})


def resolve_api_key(api_key: str | None) -> str:
    key = api_key or os.environ.get("TOKAROO_API_KEY")
    if not key:
        raise TokarooError(
            "No API key: pass Tokaroo(api_key=...) or set the TOKAROO_API_KEY environment variable."
        )
    return key


def resolve_base_url(base_url: str | httpx.URL | None) -> str:
    raw = str(base_url or os.environ.get("TOKAROO_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    url = httpx.URL(raw)
    if not url.scheme or not url.host:
        raise TokarooError(f"Invalid base_url: {raw}")
    if url.path in ("", "/"):  # "https://api.tokaroo.com" (the bare origin) means its /v1 API
        return raw + "/v1"
    return raw


def build_url(base_url: str, path: str) -> str:
    """`path` against `base_url`; a path starting with /v1 against the API origin (as in
    `client._fetch("GET", "/v1/models")`), an absolute URL as is."""
    if path.startswith(("http://", "https://")):
        return path
    p = path if path.startswith("/") else "/" + path
    base = base_url
    if base.endswith("/v1") and (p == "/v1" or p.startswith(("/v1/", "/v1?"))):
        base = base[:-3]
    return base + p


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds the server asked us to wait (retry-after-ms, retry-after as seconds or a date)."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    ra = headers.get("retry-after")
    if not ra:
        return None
    try:
        return max(0.0, float(ra))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(ra)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def retry_delay(attempt: int, headers: Mapping[str, str] | None) -> float:
    """The wait before retry `attempt` (0-based): the server's word when it gave a sane one,
    else exponential backoff from 0.5 s up to 8 s with jitter."""
    asked = retry_after_seconds(headers) if headers is not None else None
    if asked is not None and asked <= MAX_RETRY_AFTER_S:
        return asked
    backoff: float = min(0.5 * 2.0**attempt, 8.0)
    return backoff * (1 - random.random() * 0.25)


def should_retry(response: httpx.Response) -> bool:
    forced = response.headers.get("x-should-retry")
    if forced == "true":
        return True
    if forced == "false":
        return False
    return response.status_code in RETRY_STATUSES or response.status_code >= 500


def error_from_response(response: httpx.Response) -> APIError:
    """Needs the body read."""
    error: Any
    try:
        body = response.json()
    except ValueError:
        error = response.text or None
    else:
        if isinstance(body, dict) and "error" in body:
            error = body["error"]
            if isinstance(error, str):
                error = {"message": error}
        else:
            error = body
    return make_error(response.status_code, error, response.headers)


def parse_body(response: httpx.Response) -> Any:
    """Parsed JSON, the text of a non-JSON body, or None when empty."""
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


def headers_for(
    api_key: str,
    default_headers: Mapping[str, str] | None,
    extra: Mapping[str, str] | None,
    *,
    stream: bool,
) -> dict[str, str]:
    return {
        "Accept": "text/event-stream" if stream else "application/json",
        "User-Agent": f"tokaroo-python/{VERSION}",
        **(default_headers or {}),
        "Authorization": f"Bearer {api_key}",
        **(extra or {}),
    }


def chat_body(params: Mapping[str, Any], *, stream: bool) -> dict[str, Any]:
    body = {k: v for k, v in params.items() if v is not None}
    if stream:
        body["stream"] = True
        body.setdefault("stream_options", {"include_usage": True})
    else:
        body.pop("stream", None)
    return body


def sse_data(lines: Iterable[str]) -> Iterator[str]:
    """The `data` payload of each server-sent event in `lines` (lines without their endings)."""
    data: list[str] = []
    for line in lines:
        if line == "":
            if data:
                yield "\n".join(data)
            data = []
        elif line.startswith("data:"):
            data.append(line[6:] if line.startswith("data: ") else line[5:])
    if data:
        yield "\n".join(data)


async def asse_data(lines: AsyncIterable[str]) -> AsyncIterator[str]:
    """`sse_data` over an async stream of lines."""
    data: list[str] = []
    async for line in lines:
        if line == "":
            if data:
                yield "\n".join(data)
            data = []
        elif line.startswith("data:"):
            data.append(line[6:] if line.startswith("data: ") else line[5:])
    if data:
        yield "\n".join(data)


def decode_event(data: str, response: httpx.Response) -> dict[str, Any] | None:
    """One event's JSON; None for [DONE]; raises the APIError of an in-stream error event."""
    if data == "[DONE]":
        return None
    try:
        obj = json.loads(data)
    except ValueError as exc:
        raise TokarooError(f"Could not parse a stream event: {data[:200]}") from exc
    if isinstance(obj, dict) and obj.get("error"):
        raise make_error(response.status_code, obj["error"], response.headers)
    if not isinstance(obj, dict):
        raise TokarooError(f"Unexpected stream event: {data[:200]}")
    return obj
