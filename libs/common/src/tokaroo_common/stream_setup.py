"""Create (or scale) the event stream at a replica count: run once by whoever sets up a NATS
cluster (the local stack launcher; the Kubernetes Job in deploy/k8s/components/nats).
Services only ever call `ensure_stream` without a count, which keeps the one the stream has.

    python -m tokaroo_common.stream_setup --replicas 3 [--nats-url nats://a:4222,nats://b:4222]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time

from tokaroo_common.jetstream import connect, ensure_stream
from tokaroo_common.settings import BaseServiceSettings

log = logging.getLogger(__name__)


async def ensure_replicated_stream(nats_url: str, replicas: int, timeout_s: float = 60.0) -> None:
    """Until the stream exists at `replicas`: a new cluster needs a moment to elect its
    JetStream meta leader, and a stream at R3 needs three nodes up. Raises TimeoutError."""
    nc = await connect(nats_url, "tokaroo-stream-setup", first_connect_timeout_s=timeout_s)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                await ensure_stream(nc.jetstream(), replicas=replicas)
                return
            except Exception as exc:  # ServiceUnavailable, timeouts: no quorum yet
                if time.monotonic() > deadline:
                    raise TimeoutError(f"stream at {replicas} replicas: {exc!r}") from exc
                log.info("waiting for the JetStream cluster", extra={"error": repr(exc)})
                await asyncio.sleep(0.5)
    finally:
        await nc.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tokaroo_common.stream_setup")
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--nats-url", help="default: TOKAROO_NATS_URL")
    parser.add_argument("--timeout", type=float, default=120.0)
    ns = parser.parse_args(argv)
    url = ns.nats_url or BaseServiceSettings().nats_url
    asyncio.run(ensure_replicated_stream(url, ns.replicas, ns.timeout))
    print(f"stream ready at {ns.replicas} replicas")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
