"""Read and validate a JSON request body into a pydantic model, with OpenAI-shaped errors."""

from __future__ import annotations

from typing import TypeVar

import orjson
from fastapi import Request
from pydantic import BaseModel, ValidationError
from tokaroo_common.errors import InvalidRequest, PayloadTooLarge

M = TypeVar("M", bound=BaseModel)


async def read_model(request: Request, model: type[M], max_bytes: int) -> M:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"Request body larger than {max_bytes} bytes.")
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > max_bytes:
            raise PayloadTooLarge(f"Request body larger than {max_bytes} bytes.")
    if not raw:
        raise InvalidRequest("The request body is empty; expected a JSON object.")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest("The request body is not valid JSON (UTF-8).") from exc
    if not isinstance(data, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        param = ".".join(str(p) for p in first.get("loc", ())) or None
        where = f" at '{param}'" if param else ""
        raise InvalidRequest(
            f"Invalid request body{where}: {first.get('msg', 'invalid')}.", param=param
        ) from exc
