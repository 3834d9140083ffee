"""Deterministic values that satisfy a JSON Schema (OpenAI/Anthropic style or Gemini's OpenAPI
subset with upper-case types). Used for tool-call arguments and structured (JSON) answers.

Every declared property is filled (a superset of `required`), enums and consts are honoured,
`$ref` to `#/$defs/...` or `#/definitions/...` is followed, and lengths/bounds are respected
for the common keywords. Pure: the same (schema, seed) always gives the same value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_MAX_DEPTH = 8
_FORMATS = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "12:00:00",
    "email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "192.0.2.1",
    "hostname": "example.com",
}


def value_for_schema(schema: Mapping[str, Any] | None, seed: int, name: str = "value") -> Any:
    """A value valid against `schema`; `seed` varies numbers and strings deterministically."""
    root = schema if isinstance(schema, Mapping) else {}
    return _value(root, root, seed, name, 0)


def _resolve(root: Mapping[str, Any], ref: str) -> Mapping[str, Any]:
    node: Any = root
    for part in ref.removeprefix("#/").split("/"):
        if not isinstance(node, Mapping) or part not in node:
            return {}
        node = node[part]
    return node if isinstance(node, Mapping) else {}


def _type_of(schema: Mapping[str, Any]) -> str | None:
    t = schema.get("type")
    if isinstance(t, list):
        non_null = [x for x in t if isinstance(x, str) and x.lower() != "null"]
        t = non_null[0] if non_null else (t[0] if t else None)
    if isinstance(t, str):
        return t.lower()
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return None


def _value(
    root: Mapping[str, Any], schema: Mapping[str, Any], seed: int, name: str, depth: int
) -> Any:
    if depth > _MAX_DEPTH:
        return None
    if "$ref" in schema and isinstance(schema["$ref"], str):
        return _value(root, _resolve(root, schema["$ref"]), seed, name, depth + 1)
    if "const" in schema:
        return schema["const"]
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return enum[seed % len(enum)]
    for key in ("anyOf", "oneOf", "allOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            typed = [o for o in options if isinstance(o, Mapping) and _type_of(o) != "null"]
            return _value(root, (typed or options)[0], seed, name, depth + 1)
    t = _type_of(schema)
    if t == "object":
        return _object(root, schema, seed, depth)
    if t == "array":
        return _array(root, schema, seed, name, depth)
    if t == "integer":
        return int(_number(schema, seed))
    if t == "number":
        return _number(schema, seed)
    if t == "boolean":
        return seed % 2 == 0
    if t == "null":
        return None
    return _string(schema, seed, name)


def _object(
    root: Mapping[str, Any], schema: Mapping[str, Any], seed: int, depth: int
) -> dict[str, Any]:
    props = schema.get("properties")
    if not isinstance(props, Mapping):
        props = {}
    names = list(props)
    required = schema.get("required")
    if isinstance(required, list):
        names += [r for r in required if isinstance(r, str) and r not in props]
    out: dict[str, Any] = {}
    for i, key in enumerate(names):
        sub = props.get(key)
        out[key] = _value(
            root, sub if isinstance(sub, Mapping) else {}, seed + 7 * (i + 1), key, depth + 1
        )
    return out


def _array(
    root: Mapping[str, Any], schema: Mapping[str, Any], seed: int, name: str, depth: int
) -> list[Any]:
    items = schema.get("items")
    item_schema: Mapping[str, Any] = items if isinstance(items, Mapping) else {"type": "string"}
    lo = schema.get("minItems", 1)
    hi = schema.get("maxItems")
    n = lo if isinstance(lo, int) and lo > 1 else 1
    if isinstance(hi, int):
        n = min(n, hi)
    return [_value(root, item_schema, seed + i, name, depth + 1) for i in range(n)]


def _number(schema: Mapping[str, Any], seed: int) -> float:
    lo = schema.get("minimum", schema.get("exclusiveMinimum"))
    hi = schema.get("maximum", schema.get("exclusiveMaximum"))
    lo_f = float(lo) if isinstance(lo, int | float) and not isinstance(lo, bool) else None
    hi_f = float(hi) if isinstance(hi, int | float) and not isinstance(hi, bool) else None
    if lo_f is not None and hi_f is not None:
        return lo_f + (hi_f - lo_f) // 2  # inside the range, also for exclusive bounds
    if lo_f is not None:
        return lo_f + 1 + seed % 10
    if hi_f is not None:
        return hi_f - 1 - seed % 10
    return float(1 + seed % 100)


def _string(schema: Mapping[str, Any], seed: int, name: str) -> str:
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt in _FORMATS:
        return _FORMATS[fmt]
    text = f"sample {name} {seed % 1000}"
    lo = schema.get("minLength")
    hi = schema.get("maxLength")
    if isinstance(lo, int) and len(text) < lo:
        text = text + "x" * (lo - len(text))
    if isinstance(hi, int):
        text = text[:hi]
    return text
