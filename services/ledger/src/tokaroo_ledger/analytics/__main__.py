"""`python -m tokaroo_ledger.analytics sink|serve|run|dashboards` (migrations:
`tokaroo-migrate --store analytics`)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from tokaroo_common.logs import setup_logging

from tokaroo_ledger.analytics.config import AnalyticsSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tokaroo_ledger.analytics")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("sink", help="consume completion events into ClickHouse")
    sub.add_parser("serve", help="serve the gRPC AnalyticsService")
    sub.add_parser("run", help="sink and gRPC API in one process (embedded chDB)")
    dash = sub.add_parser("dashboards", help="write the Grafana dashboards as JSON")
    dash.add_argument("--out", type=Path, default=Path("deploy/grafana/dashboards"))
    ns = parser.parse_args(argv)

    if ns.command == "dashboards":
        from tokaroo_ledger.analytics.dashboards import write_dashboards

        for path in write_dashboards(ns.out):
            print(path)
        return 0
    settings = AnalyticsSettings()
    setup_logging("analytics", settings.log_level)
    from tokaroo_ledger.analytics import app

    asyncio.run(
        app.run(settings, sink=ns.command in ("sink", "run"), serve=ns.command in ("serve", "run"))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
