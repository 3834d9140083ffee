"""`tokaroo up`'s layout: the gRPC services and consumers serve /metrics on ports of their own."""

from __future__ import annotations

from pathlib import Path

import pytest
from tokaroo_cli.config import StackSettings
from tokaroo_cli.stack import service_specs
from tokaroo_cli.up import layout_from, metrics_ports


def test_metrics_ports_count_up_and_zero_turns_them_off() -> None:
    assert metrics_ports(19464) == {
        "router": 19464,
        "cache": 19465,
        "ledger": 19466,
        "analytics": 19467,
    }
    assert metrics_ports(0) == {}


def test_make_run_gives_each_service_its_metrics_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("TOKAROO_METRICS_FIRST_PORT", "20000")
    layout = layout_from(StackSettings())
    env = {spec.name: spec.env for spec in service_specs(layout)}
    assert env["router"]["TOKAROO_METRICS_PORT"] == "20000"
    assert env["analytics"]["TOKAROO_METRICS_PORT"] == "20003"
    assert "TOKAROO_METRICS_PORT" not in env["edge"]  # the edge serves /metrics on its port
