"""Edge process: read settings, serve HTTP with uvicorn (uvloop + httptools)."""

from __future__ import annotations

import uvicorn
from tokaroo_common.logs import setup_logging

from tokaroo_edge.app import create_app
from tokaroo_edge.config import EdgeSettings


def main() -> None:
    settings = EdgeSettings()
    setup_logging("edge", settings.log_level)
    app = create_app(settings)
    uvicorn.run(app, host=settings.bind_host, port=settings.port, loop="uvloop",
                http="httptools", log_config=None, access_log=False,
                timeout_graceful_shutdown=int(settings.shutdown_grace_s))


if __name__ == "__main__":
    main()
