"""Edge process: read settings, serve HTTP with uvicorn (uvloop + httptools)."""

from __future__ import annotations

import signal
import sys
from types import FrameType

import uvicorn
from tokaroo_common.logs import setup_logging
from tokaroo_common.telemetry import setup_tracing, shutdown_tracing

from tokaroo_edge.app import create_app
from tokaroo_edge.config import EdgeSettings


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    sys.exit(0)


def main() -> None:
    # uvicorn handles SIGTERM (stop accepting, finish in-flight requests and streams, run the
    # lifespan shutdown that flushes the event outbox), then re-raises it to the handler it
    # found: that handler makes a graceful stop exit 0 instead of "killed by SIGTERM".
    signal.signal(signal.SIGTERM, _exit_cleanly)
    settings = EdgeSettings()
    setup_logging("edge", settings.log_level)
    # The upstream calls trace themselves (providers/transport.py): the edge has no httpx
    # client left for `instrument_httpx` to instrument.
    tracing = setup_tracing("edge", settings)
    app = create_app(settings, tracer_provider=tracing)
    try:
        uvicorn.run(
            app,
            host=settings.bind_host,
            port=settings.port,
            loop="uvloop",
            http="httptools",
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=int(settings.shutdown_grace_s),
        )
    finally:
        shutdown_tracing(tracing)


if __name__ == "__main__":
    main()
