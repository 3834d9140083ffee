"""tokaroo_cli.stack: the launch plan of the single-node and the cluster layouts (pure)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tokaroo_cli.infra.haproxy import Backend, haproxy_config
from tokaroo_cli.infra.ports import PortPicker, ephemeral_range
from tokaroo_cli.stack import (
    StackLayout,
    cluster_of,
    launch_plan,
    replica_names,
    sequential_ports,
    service_env,
    service_specs,
)


def layout(home: Path = Path("/tmp/tk-x")) -> StackLayout:
    return StackLayout(
        home=home,
        edge_port=8080,
        nats_port=4222,
        nats_monitor_port=8222,
        valkey_port=6379,
        postgres_port=5432,
        simulator_port=8090,
        router_port=50051,
        cache_port=50052,
        ledger_port=50053,
        analytics_port=50054,
    )


def names(stages: list) -> list[list[str]]:  # type: ignore[type-arg]
    return [[launch.spec.name for launch in stage.launches] for stage in stages]


def test_single_node_plan_keeps_one_process_per_service() -> None:
    plan = launch_plan(layout())
    assert names(plan) == [
        ["nats"],
        ["valkey", "postgres", "simulator"],
        ["router", "cache", "ledger", "analytics"],
        ["edge"],
    ]
    assert all(stage.stream_replicas is None for stage in plan)
    env = service_env(layout())
    assert env["TOKAROO_NATS_URL"] == "nats://127.0.0.1:4222"
    assert env["TOKAROO_LEDGER_ADDR"] == "127.0.0.1:50053"


def test_the_simulator_can_be_left_out() -> None:
    assert "simulator" not in sum(names(launch_plan(layout(), simulator=False)), [])


@pytest.mark.skipif(
    shutil.which("haproxy", path="/usr/sbin:/usr/bin:/sbin") is None,
    reason="haproxy is not installed (tests/e2e/setup_haproxy.sh)",
)
def test_cluster_plan_has_three_nats_nodes_two_replicas_and_a_load_balancer() -> None:
    cl = cluster_of(layout(), sequential_ports(30000))
    plan = launch_plan(cl)
    assert names(plan)[0] == ["nats-1", "nats-2", "nats-3"]
    assert plan[0].stream_replicas == 3
    assert names(plan)[2] == [
        "router-1",
        "router-2",
        "cache-1",
        "cache-2",
        "ledger-1",
        "ledger-2",
        "analytics-1",
        "analytics-2",
    ]
    assert names(plan)[3:] == [["edge-1", "edge-2"], ["haproxy"]]
    env = service_env(cl)
    assert env["TOKAROO_NATS_URL"].count("nats://") == 3
    assert env["TOKAROO_ROUTER_ADDR"] == ",".join(f"127.0.0.1:{p}" for p in cl.ports("router"))
    edges = {launch.spec.name: launch.spec.env for launch in plan[3].launches}
    assert edges["edge-1"]["TOKAROO_PORT"] != edges["edge-2"]["TOKAROO_PORT"]
    assert (
        edges["edge-1"]["TOKAROO_OUTBOX_JOURNAL_DIR"]
        != edges["edge-2"]["TOKAROO_OUTBOX_JOURNAL_DIR"]
    )
    # Replicas are the cluster's unit: one edge worker process each (a killed replica is a
    # killed edge); the single-node edge runs one worker per core (no override).
    assert {env["TOKAROO_EDGE_WORKERS"] for env in edges.values()} == {"1"}
    (single_edge,) = [s for s in service_specs(layout()) if s.name == "edge"]
    assert "TOKAROO_EDGE_WORKERS" not in single_edge.env
    sinks = [
        launch.spec.env["TOKAROO_CLICKHOUSE_DSN"]
        for launch in plan[2].launches
        if launch.spec.name.startswith("analytics")
    ]
    assert len(set(sinks)) == 2  # one embedded store per sink
    nats_argv = plan[0].launches[1].spec.argv
    assert nats_argv[nats_argv.index("-n") + 1] == "nats-2"
    routes = nats_argv[nats_argv.index("--routes") + 1].split(",")
    assert len(routes) == 2 and f":{cl.nats_nodes[1].route_port}" not in ",".join(routes)
    (haproxy,) = plan[4].launches
    assert haproxy.ready.target == f"http://127.0.0.1:{cl.edge_port}/readyz"
    assert haproxy.spec.files and "server edge-2" in haproxy.spec.files[0][1]


def test_replica_names() -> None:
    assert replica_names(layout(), "edge") == ["edge"]
    cl = cluster_of(layout(), sequential_ports(30000))
    assert replica_names(cl, "ledger") == ["ledger-1", "ledger-2"]


def test_haproxy_config_checks_every_edge_and_retries_only_connections() -> None:
    text = haproxy_config(8080, [Backend("edge-1", 1), Backend("edge-2", 2)], stats_port=9)
    assert "bind 127.0.0.1:8080" in text and "option httpchk GET /readyz" in text
    assert "server edge-1 127.0.0.1:1 check" in text and "server edge-2 127.0.0.1:2 check" in text
    assert "option redispatch" in text and "retry-on" not in text
    assert "bind 127.0.0.1:9" in text


def test_port_picker_gives_distinct_ports_below_the_ephemeral_range() -> None:
    pick = PortPicker()
    ports = [pick() for _ in range(60)]
    assert len(set(ports)) == 60
    assert all(20000 <= p < ephemeral_range()[0] for p in ports)
