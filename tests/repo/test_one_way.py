"""One way to do each thing: the jobs below are written once, in tokaroo_common, and every
service uses that one (a second copy in a service fails here).

- gRPC server start-up (listen, health, reflection, graceful stop): grpc_server.serving
- schema migrations and their lock: migrations + migration_stores (tokaroo-migrate)
- durable JetStream consumers (consumer creation, batch pulls, acks, dead letters):
  jetstream.run_pull_consumer + pull.BatchPuller
- circuit breakers: breaker.Breakers
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMMON = "libs/common/src/tokaroo_common"
ONE_PLACE = {
    r"\.add_insecure_port\(": {f"{COMMON}/grpc_server.py"},
    r"pg_advisory_lock": {f"{COMMON}/migration_stores.py"},
    r"\.add_consumer\(|\.pull_subscribe\(|CONSUMER\.MSG\.NEXT": {
        f"{COMMON}/jetstream.py",
        f"{COMMON}/pull.py",
    },
    r"HALF_OPEN\s*=": {f"{COMMON}/breaker.py"},  # the breaker's state machine
}


def sources() -> list[Path]:
    return sorted(
        p for folder in ("services", "libs") for p in (ROOT / folder).glob("*/src/**/*.py")
    )


@pytest.mark.parametrize("pattern", sorted(ONE_PLACE))
def test_written_once(pattern: str) -> None:
    found = {
        p.relative_to(ROOT).as_posix()
        for p in sources()
        if re.search(pattern, p.read_text(encoding="utf-8"))
    }
    again = found - ONE_PLACE[pattern]
    assert not again, f"{pattern!r} is written again in {sorted(again)}"
    assert found, f"{pattern!r} no longer found at all: update this test"
