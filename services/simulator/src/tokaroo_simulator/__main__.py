"""`python -m tokaroo_simulator`: read settings, serve until SIGINT/SIGTERM."""

from __future__ import annotations

from tokaroo_simulator.config import load_settings
from tokaroo_simulator.server import build_server


def main() -> None:
    build_server(load_settings()).run()


if __name__ == "__main__":
    main()
