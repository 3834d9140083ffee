"""HAProxy (Debian's package; tests/e2e/setup_haproxy.sh installs it) in front of the edge
replicas: its configuration as text and its process as a ServerSpec. Pure, apart from
looking up the binary.

Round robin over the edges. A dead edge refuses connections, and a refused connection is
retried on the other edge at once (`retries` + `option redispatch`: HAProxy only retries
what it could not send, so a POST is never sent twice). Health checks on /readyz every second
take an edge out after three failures (one slow answer on a loaded machine must not take the
last live edge out: a 500 ms check timeout did, and HAProxy answered 503 with no server).
Server-sent events pass through unbuffered; the timeouts allow long streams."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from tokaroo_cli.infra.errors import BinaryNotFoundError
from tokaroo_cli.infra.specs import ServerSpec


@dataclass(frozen=True)
class Backend:
    name: str
    port: int


def haproxy_config(
    front_port: int, backends: list[Backend], *, stats_port: int = 0, check_path: str = "/readyz"
) -> str:
    servers = "\n".join(f"    server {b.name} 127.0.0.1:{b.port} check" for b in backends)
    stats = (
        (
            "\nfrontend stats\n"
            f"    bind 127.0.0.1:{stats_port}\n"
            "    http-request use-service prometheus-exporter if { path /metrics }\n"
            "    stats enable\n    stats uri /stats\n"
        )
        if stats_port
        else ""
    )
    return f"""global
    maxconn 4096

defaults
    mode http
    option redispatch
    retries 3
    timeout connect 1s
    timeout client 300s
    timeout server 300s
    timeout http-request 30s
    timeout check 3s

frontend edge
    bind 127.0.0.1:{front_port}
    default_backend edges
{stats}
backend edges
    balance roundrobin
    option httpchk GET {check_path}
    http-check expect status 200
    default-server inter 1s fastinter 500ms downinter 1s fall 3 rise 2
{servers}
"""


def haproxy_binary() -> Path:
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/sbin")
    if not found:
        raise BinaryNotFoundError(
            "haproxy is not installed (bash tests/e2e/setup_haproxy.sh installs Debian's package)"
        )
    return Path(found)


def haproxy_spec(
    config_dir: Path,
    front_port: int,
    backends: list[Backend],
    *,
    stats_port: int = 0,
    binary: Path | None = None,
    name: str = "haproxy",
) -> ServerSpec:
    """HAProxy in the foreground (-db) with its configuration written to config_dir."""
    config = config_dir / "haproxy.cfg"
    argv = [str(binary or haproxy_binary()), "-db", "-f", str(config)]
    text = haproxy_config(front_port, backends, stats_port=stats_port)
    return ServerSpec(name, argv, {}, None, config_dir, files=((config, text),))
