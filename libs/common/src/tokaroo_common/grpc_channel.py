"""Client channels to the internal gRPC services, spread over every replica.

One long-lived HTTP/2 connection does not balance behind a Kubernetes Service (every call
goes to the pod it first reached), so the channel balances on the client: `round_robin`
over every address the target resolves to, with gRPC health checks so a replica that is
shutting down (NOT_SERVING) or dead is skipped at once. A target is
- `host:port`: one name; with a headless Service, `dns:///router-headless:50051` resolves to
  every pod (the resolver refreshes when a connection drops);
- `127.0.0.1:a,127.0.0.1:b`: a fixed list of IP addresses (the local cluster stack);
- anything with a scheme (`dns:`, `ipv4:`, `ipv6:`, `unix:`), used as it is.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Sequence

import grpc

_SCHEMES = ("dns:", "ipv4:", "ipv6:", "unix:", "unix-abstract:", "vsock:")

# A restarted service is found again within about a second: gRPC's default reconnect
# backoff grows to two minutes, which turned a ledger restart into minutes of 503s.
_SERVICE_CONFIG = json.dumps(
    {
        "loadBalancingConfig": [{"round_robin": {}}],
        "healthCheckConfig": {"serviceName": ""},
    }
)
OPTIONS: tuple[tuple[str, int | str], ...] = (
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.enable_retries", 1),
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1_000),
    ("grpc.service_config", _SERVICE_CONFIG),
)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def channel_target(addrs: str) -> str:
    """The gRPC target for an address setting (see the module docstring). Pure."""
    addrs = addrs.strip()
    if addrs.startswith(_SCHEMES) or "," not in addrs:
        return addrs
    parts = [a.strip() for a in addrs.split(",") if a.strip()]
    hosts = [p.rsplit(":", 1)[0] for p in parts]
    if not all(_is_ip(h) for h in hosts):
        raise ValueError(
            f"a list of gRPC addresses must be IP:port pairs, got {addrs!r} "
            "(for names, use one headless Service: dns:///name:port)"
        )
    family = "ipv6" if any(h.startswith("[") or ":" in h for h in hosts) else "ipv4"
    return f"{family}:{','.join(parts)}"


def internal_channel(
    addrs: str, *, interceptors: Sequence[grpc.aio.ClientInterceptor] = ()
) -> grpc.aio.Channel:
    """An insecure (in-cluster) asyncio channel balanced over every replica of `addrs`."""
    return grpc.aio.insecure_channel(
        channel_target(addrs), options=list(OPTIONS), interceptors=list(interceptors) or None
    )
