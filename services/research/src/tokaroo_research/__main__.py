"""`python -m tokaroo_research run|rollback`: wiring only (settings, logging, the CLI)."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Sequence

from tokaroo_common.logs import setup_logging

from tokaroo_research.cli import execute, parser
from tokaroo_research.config import ResearchSettings


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = ResearchSettings()
    setup_logging("research", settings.log_level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return asyncio.run(execute(args, settings))


if __name__ == "__main__":
    sys.exit(main())
