"""Edge process: read settings, serve HTTP with uvicorn (uvloop + httptools), in this process
or in `TOKAROO_EDGE_WORKERS` worker processes on the same port (tokaroo_edge.workers)."""

from __future__ import annotations

import signal
import sys

from tokaroo_common.logs import setup_logging

from tokaroo_edge.config import EdgeSettings
from tokaroo_edge.workers import Supervisor, exit_cleanly, serve, worker_count


def main() -> None:
    signal.signal(signal.SIGTERM, exit_cleanly)
    settings = EdgeSettings()
    workers = worker_count(settings.edge_workers)
    if workers == 1:
        serve(settings)
        return
    setup_logging("edge", settings.log_level)
    sys.exit(Supervisor(settings, workers).run())


if __name__ == "__main__":
    main()
