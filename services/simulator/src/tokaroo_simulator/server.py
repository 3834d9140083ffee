"""Running the app under uvicorn (uvloop + httptools), with a way to drop connections.

`DroppingHttpToolsProtocol` adds one thing to uvicorn's httptools protocol: a
`tokaroo.drop(reset)` callable in `scope["extensions"]`, so a fault can close the socket
(FIN, the body ends early) or abort it (RST, no answer at all) instead of answering.
"""

from __future__ import annotations

import socket
import struct
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from tokaroo_simulator.app import create_app
from tokaroo_simulator.config import Settings
from tokaroo_simulator.transport import DROP_EXTENSION


class DroppingHttpToolsProtocol(HttpToolsProtocol):
    def on_headers_complete(self) -> None:
        extensions: dict[str, Any] = self.scope.setdefault("extensions", {})
        extensions[DROP_EXTENSION] = self._drop
        super().on_headers_complete()

    def _drop(self, reset: bool) -> None:
        if reset:
            sock = self.transport.get_extra_info("socket")
            try:  # linger 0: the kernel answers with RST instead of FIN
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except (AttributeError, OSError):
                pass  # no real socket (tests, exotic transports): abort() alone still closes
            self.transport.abort()
        else:
            self.transport.close()


def build_server(settings: Settings) -> uvicorn.Server:
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http=DroppingHttpToolsProtocol,
        log_level=settings.log_level,
        access_log=False,
        timeout_graceful_shutdown=2,
        lifespan="off",
    )
    return uvicorn.Server(config)
