"""The `tokaroo` command: the local stack and operator tools.

  tokaroo up                       run the whole local stack (Ctrl-C stops it)
  tokaroo migrate                  create the database and apply every migration
  tokaroo admin ...                tenants and credits, for self-hosters (see --help)
  tokaroo research run|rollback    the market-research job (model pool snapshots)
  tokaroo eval router --data DIR   routing quality (APGR, CPT) on RouteLLM-format data
  tokaroo eval cache --pairs FILE  cache hit/false-hit rates on fow-cache pairs
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Callable

# subcommand -> module whose main(argv) -> int implements it (imported only when used)
_DELEGATES: dict[tuple[str, ...], str] = {
    ("admin",): "tokaroo_cli.admin",
    ("research",): "tokaroo_research.__main__",
    ("eval", "router"): "tokaroo_router.evaluate",
    ("eval", "cache"): "tokaroo_cache.evaluate",
}


def _delegate(argv: list[str]) -> tuple[Callable[[list[str]], int], list[str]] | None:
    for prefix, module in _DELEGATES.items():
        if tuple(argv[: len(prefix)]) == prefix:
            entry: Callable[[list[str]], int] = importlib.import_module(module).main
            return entry, argv[len(prefix):]
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
        return run_up(StackSettings())
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
