"""Free TCP ports on the loopback interface."""

from __future__ import annotations

import random
import socket
from pathlib import Path


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS reports free right now (another process may take it before we bind)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def ephemeral_range() -> tuple[int, int]:
    """The kernel's range for outgoing connections' local ports (Linux; a default elsewhere)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def bindable(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


class PortPicker:
    """Distinct free ports for one stack, picked below the ephemeral range.

    `free_port()` asks the kernel for an ephemeral port, and the kernel hands the same range
    to outgoing connections: a stack of forty processes opening connections while it starts
    (NATS routes, clients) can take a port before the server meant for it binds. Ports
    picked here are never given to an outgoing connection, nor twice by one picker."""

    def __init__(
        self, low: int = 20000, high: int | None = None, *, rng: random.Random | None = None
    ) -> None:
        self._low = low
        self._high = high or ephemeral_range()[0]
        self._rng = rng or random.Random()
        self._given: set[int] = set()

    def __call__(self) -> int:
        for _ in range(200):
            port = self._rng.randrange(self._low, self._high)
            if port not in self._given and bindable(port):
                self._given.add(port)
                return port
        port = free_port()
        self._given.add(port)
        return port
