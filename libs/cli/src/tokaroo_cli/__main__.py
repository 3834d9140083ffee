"""The `tokaroo` command: the local stack and operator tools."""

from __future__ import annotations

import argparse
import asyncio
import sys

from tokaroo_cli.config import StackSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tokaroo", description="Tokaroo LLM gateway")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="run the whole local stack (Ctrl-C stops it)")
    sub.add_parser("migrate", help="create the database and apply migrations")
    ns = parser.parse_args(argv)
    settings = StackSettings()
    if ns.command == "up":
        from tokaroo_cli.up import run_up
        return run_up(settings)
    if ns.command == "migrate":
        from tokaroo_cli.dbsetup import prepare_database
        from tokaroo_cli.up import layout_from
        layout = layout_from(settings)
        for name in asyncio.run(prepare_database(layout.admin_dsn, layout.postgres_dsn)):
            print(f"applied {name}")
        return 0
    parser.error(f"unknown command {ns.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
