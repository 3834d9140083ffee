"""The `tokaroo` command: the local stack and operator tools.

tokaroo up [--cluster]           run the whole local stack (Ctrl-C stops it); --cluster:
                                 3 NATS nodes, 2 replicas of each service, HAProxy
tokaroo migrate                  create the local database and apply its migrations
                                 (tokaroo-migrate, as the Kubernetes Jobs run it)
tokaroo admin ...                tenants and credits, for self-hosters (see --help)
tokaroo settings-doc [--check]   write (or check) docs/settings.md from the settings classes
tokaroo research run|rollback    the market-research job (model pool snapshots)
tokaroo eval router --data DIR   routing quality (APGR, CPT) on RouteLLM-format data (CSV,
                                 JSONL rows, MT-Bench questions + judgments; see --help)
tokaroo eval cache --pairs FILE  cache hit/false-hit rates on fow-cache pairs
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Callable
from importlib.metadata import entry_points

COMMANDS_GROUP = "tokaroo.commands"
"""Entry points of the installed services' subcommands: the name is the words of the
subcommand joined by dots (`eval.router`), the value its `main(argv) -> int`. The CLI imports
no service: it finds what is installed."""

# the CLI's own subcommands -> module whose main(argv) -> int implements it (imported on use)
_OWN: dict[tuple[str, ...], str] = {
    ("admin",): "tokaroo_cli.admin",
    ("settings-doc",): "tokaroo_cli.settings_reference",
}


def _commands() -> dict[tuple[str, ...], str]:
    """subcommand words -> `module:function` (the CLI's own, then the installed services')."""
    found = {words: f"{module}:main" for words, module in _OWN.items()}
    for ep in entry_points(group=COMMANDS_GROUP):
        found[tuple(ep.name.split("."))] = ep.value
    return found


def _delegate(argv: list[str]) -> tuple[Callable[[list[str]], int], list[str]] | None:
    for prefix, target in sorted(_commands().items(), key=lambda kv: -len(kv[0])):
        if tuple(argv[: len(prefix)]) == prefix:
            module, _, attr = target.partition(":")
            entry: Callable[[list[str]], int] = getattr(importlib.import_module(module), attr)
            return entry, argv[len(prefix) :]
    return None


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    found = _delegate(args)
    if found is not None:
        entry, rest = found
        return int(entry(rest) or 0)
    if args[:1] == ["up"]:
        from tokaroo_cli.config import StackSettings
        from tokaroo_cli.up import run_up

        return run_up(StackSettings(), cluster="--cluster" in args[1:])
    if args[:1] == ["migrate"]:
        from tokaroo_cli.config import StackSettings
        from tokaroo_cli.dbsetup import prepare_database
        from tokaroo_cli.up import layout_from

        layout = layout_from(StackSettings())
        for name in asyncio.run(prepare_database(layout.admin_dsn, layout.postgres_dsn)):
            print(f"applied {name}")
        return 0
    print(__doc__, file=sys.stderr if args and args[0] not in ("-h", "--help") else sys.stdout)
    return 0 if args[:1] in (["-h"], ["--help"]) else 2


if __name__ == "__main__":
    sys.exit(main())
