"""The event stream's replica count: set once by stream_setup, kept by every later
ensure_stream (a real single-node NATS; the three-node cluster runs in tests/chaos_cluster)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tokaroo_common.jetstream import STREAM, connect, ensure_stream, server_urls
from tokaroo_common.stream_setup import ensure_replicated_stream

from .conftest import NatsServer


def test_server_urls_splits_a_cluster_list() -> None:
    assert server_urls("nats://a:1, nats://b:2,") == ["nats://a:1", "nats://b:2"]
    assert server_urls("nats://a:1") == ["nats://a:1"]


async def _setup_then_services(url: str) -> tuple[int, int]:
    await ensure_replicated_stream(f"{url},{url}", replicas=1, timeout_s=30)
    nc = await connect(url, "test")
    try:
        js = nc.jetstream()
        await ensure_stream(js, duplicate_window_s=120)  # what every service does at start
        info = await js.stream_info(STREAM)
        assert info.config.duplicate_window == 120
        return int(info.config.num_replicas or 0), len(info.config.subjects or [])
    finally:
        await nc.close()


def test_setup_creates_the_stream_and_services_keep_its_replicas(tmp_path: Path) -> None:
    with NatsServer(tmp_path / "nats") as nats:
        replicas, subjects = asyncio.run(_setup_then_services(nats.url))
    assert replicas == 1 and subjects == 2
