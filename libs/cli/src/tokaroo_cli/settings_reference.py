"""`tokaroo settings-doc`: docs/settings.md, generated from the settings classes.

The classes are found without importing a service by name: each service registers its own
under the entry-point group `tokaroo.settings` (name: the process that reads it), and the
libraries' classes (local stack, CLI, migrations) are listed here. Each variable's text is the
field's description, else the comment beside or above it in the class's source.

    tokaroo settings-doc [--check] [--out docs/settings.md]

`--check` exits 1 when the file is not what the classes give (the test suite runs it too)."""

from __future__ import annotations

import argparse
import ast
import dataclasses
import inspect
import io
import sys
import tokenize
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from pydantic_settings import BaseSettings
from tokaroo_common.settings import BaseServiceSettings, ProviderSettings

ENTRY_POINT_GROUP = "tokaroo.settings"
DEFAULT_OUT = Path("docs/settings.md")


@dataclass(frozen=True)
class Registered:
    reader: str  # the process (or command) that reads the class
    cls: type


@dataclass(frozen=True)
class Row:
    names: tuple[str, ...]  # the variable and its accepted aliases, first one preferred
    default: str
    kind: str
    text: str


def library_classes() -> list[Registered]:
    """The settings the libraries own (imported here: libraries may import libraries)."""
    from tokaroo_common.migrate_command import MigrateSettings

    from tokaroo_cli.admin import AdminSettings
    from tokaroo_cli.config import StackSettings

    return [
        Registered("tokaroo up (make run)", StackSettings),
        Registered("tokaroo admin", AdminSettings),
        Registered("tokaroo-migrate", MigrateSettings),
    ]


def registered_classes() -> list[Registered]:
    """Every installed service's settings classes, then the libraries', by reader name."""
    found = [Registered(ep.name, ep.load()) for ep in entry_points(group=ENTRY_POINT_GROUP)]
    return sorted(found, key=lambda r: r.reader) + library_classes()


# ---- reading one class -------------------------------------------------------------------


def _comments(cls: type) -> dict[str, str]:
    """Field name -> the comment on its line(s), or the comment block right above it."""
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):
        return {}
    source = inspect.cleandoc("\n" + source) if source.startswith(" ") else source
    by_line: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            by_line[tok.start[0]] = tok.string.lstrip("#").strip()
    lines = source.splitlines()
    body = ast.parse(source).body[0]
    out: dict[str, str] = {}
    for node in getattr(body, "body", []):
        if not isinstance(node, ast.AnnAssign) or not isinstance(node.target, ast.Name):
            continue
        end = node.end_lineno or node.lineno
        beside = [by_line[n] for n in range(node.lineno, end + 1) if n in by_line]
        above: list[str] = []
        n = node.lineno - 1
        while n in by_line and lines[n - 1].strip().startswith("#"):
            above.insert(0, by_line[n])
            n -= 1
        out[node.target.id] = " ".join(above + beside)
    return out


def _own_comments(cls: type) -> dict[str, str]:
    merged: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not klass.__module__.startswith(("pydantic", "builtins")):
            merged.update({k: v for k, v in _comments(klass).items() if v})
    return merged


def _render(value: Any) -> str:
    if value is None:
        return "*(unset)*"
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, frozenset | set | tuple | list):
        value = ",".join(sorted(str(v) for v in value))
    if isinstance(value, Decimal | Path | int | float | str):
        text = str(value)
        return f"`{text}`" if text else "*(empty)*"
    return f"`{value!r}`"


def _kind(annotation: Any) -> str:
    text = getattr(annotation, "__name__", None) or str(annotation)
    return (
        text.replace("typing.", "")
        .replace("pydantic.types.", "")
        .replace("pathlib.", "")
        .replace("decimal.", "")
        .replace("NoneType", "None")
    )


def _names(name: str, info: FieldInfo, prefix: str) -> tuple[str, ...]:
    alias = info.validation_alias
    if isinstance(alias, AliasChoices):
        return tuple(str(c) for c in alias.choices if isinstance(c, str))
    if isinstance(alias, str):
        return (alias,)
    return (f"{prefix}{name}".upper(),)


def settings_rows(cls: type, fields: Iterable[str] | None = None) -> list[Row]:
    """One row per field of a pydantic-settings class or of a dataclass with ENV_PREFIX."""
    comments = _own_comments(cls)
    rows: list[Row] = []
    if isinstance(cls, type) and issubclass(cls, BaseSettings):
        prefix = str(cls.model_config.get("env_prefix", ""))
        for name, info in cls.model_fields.items():
            if fields is not None and name not in fields:
                continue
            default = (
                info.default
                if info.default is not PydanticUndefined
                else (info.default_factory() if info.default_factory else None)  # type: ignore[call-arg]
            )
            rows.append(
                Row(
                    _names(name, info, prefix),
                    _render(default),
                    _kind(info.annotation),
                    info.description or comments.get(name, ""),
                )
            )
    elif dataclasses.is_dataclass(cls):
        prefix = str(getattr(cls, "ENV_PREFIX", ""))
        for f in dataclasses.fields(cls):
            if fields is None or f.name in fields:
                rows.append(
                    Row(
                        (f"{prefix}{f.name}".upper(),),
                        _render(f.default),
                        _kind(f.type),
                        comments.get(f.name, ""),
                    )
                )
    else:
        raise TypeError(f"{cls!r} is neither a settings class nor a dataclass")
    return rows


# ---- the document ------------------------------------------------------------------------

SHARED: tuple[tuple[str, type[BaseSettings], str], ...] = (
    ("Every service", BaseServiceSettings, "Read by every Tokaroo service process"),
    (
        "Upstream providers",
        ProviderSettings,
        "A cloud provider is live when it has a key; its base URL defaults to its public API. "
        "The local OpenAI-compatible server is live when `LOCAL_AI_BASE_URL` is set. "
        "Where two names are given, the first wins when both are set. Read by",
    ),
)


def _table(rows: Sequence[Row]) -> list[str]:
    out = ["| Variable | Default | Type | Meaning |", "|---|---|---|---|"]
    for r in rows:
        names = "<br>".join(f"`{n}`" for n in r.names)
        text = r.text.replace("|", "\\|")
        out.append(f"| {names} | {r.default} | `{r.kind.replace('|', chr(92) + '|')}` | {text} |")
    return out


def render(registered: Sequence[Registered]) -> str:
    out = [
        "# Settings reference",
        "",
        "Generated by `python -m tokaroo_cli settings-doc` from the settings classes; "
        "`make test` fails when this file is stale. Do not edit it by hand.",
        "",
        "Every process reads its environment, then a `.env` file in its working directory "
        "(the environment wins). `make run` passes the stack's own addresses and the live "
        "providers to the services it starts, so there `.env` mostly sets the `tokaroo up` "
        "and provider variables below.",
        "",
    ]
    for title, base, lead in SHARED:
        readers = [r.reader for r in registered if issubclass(r.cls, base)]
        out += [f"## {title}", "", f"{lead}: {', '.join(readers)}.", ""]
        out += _table(settings_rows(base)) + [""]
    for r in registered:
        inherited = {
            n for _t, base, _l in SHARED if issubclass(r.cls, base) for n in base.model_fields
        }
        own = [n for n in _field_names(r.cls) if n not in inherited]
        rows = settings_rows(r.cls, own)
        if not rows:
            continue
        shared = [t for t, base, _l in SHARED if issubclass(r.cls, base)]
        also = f" Also reads: {', '.join(shared).lower()} (above)." if shared else ""
        out += [f"## {r.reader}", "", f"`{r.cls.__module__}.{r.cls.__qualname__}`.{also}", ""]
        out += _table(rows) + [""]
    return "\n".join(out).rstrip() + "\n"


def _field_names(cls: type) -> list[str]:
    if issubclass(cls, BaseSettings):
        return list(cls.model_fields)
    return [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]


def documented_names(text: str) -> set[str]:
    """Every variable name the document lists (first column of its tables)."""
    names: set[str] = set()
    for line in text.splitlines():
        if line.startswith("| `"):
            first = line.split(" | ")[0].lstrip("| ")
            names.update(part.strip("`") for part in first.split("<br>"))
    return names


def main(
    argv: Sequence[str] | None = None, classes: Callable[[], list[Registered]] = registered_classes
) -> int:
    p = argparse.ArgumentParser(prog="tokaroo settings-doc", description=__doc__.split("\n")[0])
    p.add_argument("--check", action="store_true", help="fail when the file is stale")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    a = p.parse_args(argv)
    text = render(classes())
    if a.check:
        current = a.out.read_text() if a.out.exists() else ""
        if current != text:
            print(f"{a.out} is stale: run `python -m tokaroo_cli settings-doc`", file=sys.stderr)
            return 1
        return 0
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(text)
    print(f"wrote {a.out}")
    return 0
