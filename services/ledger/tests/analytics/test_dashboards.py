"""Dashboards as code: the JSON in deploy/grafana is what the code generates, and every
panel's SQL (and the tenant variable's) runs against the real schema with data in it and
returns rows. Macros are expanded as grafana-clickhouse-datasource expands them."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from tokaroo_ledger.analytics.dashboards import DASHBOARDS, encode
from tokaroo_ledger.analytics.queries import HOUR_MS
from tokaroo_ledger.analytics.synthetic import make_events
from tokaroo_ledger.analytics.warehouse import Warehouse
from tokaroo_ledger.analytics.writer import EventWriter

GRAFANA = Path(__file__).resolve().parents[4] / "deploy" / "grafana"
TIME_FILTER = re.compile(r"\$__timeFilter\((\w+)\)")


def expand(sql: str, from_s: int, to_s: int, tenants: list[str]) -> str:
    """The plugin's macros and Grafana's `${var:sqlstring}` formatting."""
    sql = TIME_FILTER.sub(
        lambda m: f"{m.group(1)} >= toDateTime({from_s}) AND {m.group(1)} <= toDateTime({to_s})",
        sql,
    )
    sql = sql.replace("${tenant:sqlstring}", ",".join(f"'{t}'" for t in tenants))
    assert "$" not in sql, f"unexpanded macro or variable in {sql}"
    return sql


def _panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in board["panels"] if p.get("type") != "row"]


def test_committed_dashboards_are_generated_from_code() -> None:
    for spec in DASHBOARDS:
        path = GRAFANA / "dashboards" / f"{spec.uid}.json"
        assert path.read_text() == encode(spec), (
            f"{path} is stale: uv run python -m tokaroo_ledger.analytics dashboards"
        )
    assert len({s.uid for s in DASHBOARDS}) == len(DASHBOARDS) == 5


def test_provisioning_points_at_the_dashboards_datasources() -> None:
    sources = {}
    for name in ("clickhouse", "prometheus"):
        ds = yaml.safe_load((GRAFANA / f"provisioning/datasources/{name}.yaml").read_text())
        (source,) = ds["datasources"]
        sources[source["uid"]] = source["type"]
    assert sorted(sources.values()) == ["grafana-clickhouse-datasource", "prometheus"]
    for path in (GRAFANA / "dashboards").glob("*.json"):
        for panel in _panels(json.loads(path.read_text())):
            for target in panel["targets"]:
                ref = target["datasource"]
                assert sources[ref["uid"]] == ref["type"]
                assert ("expr" in target) == (ref["type"] == "prometheus")


def test_prometheus_panels_read_metrics_the_services_export() -> None:
    """Every metric a PromQL panel names is one the services define (by name, in source)."""
    sources = "".join(p.read_text() for p in (GRAFANA.parents[1]).glob("*/*/src/**/metrics.py"))
    for spec in DASHBOARDS:
        for panel in spec.panels:
            for _, expr in panel.promql:
                for metric in re.findall(r"(tokaroo_\w+?)_bucket", expr):
                    assert f'"{metric}"' in sources, (panel.title, metric)
    provider = yaml.safe_load((GRAFANA / "provisioning/dashboards/tokaroo.yaml").read_text())
    assert provider["providers"][0]["type"] == "file"


@pytest.fixture
async def loaded(warehouse: Warehouse) -> Warehouse:
    now = int(time.time() * 1000)
    events = list(make_events(3000, start_ms=now - 6 * HOUR_MS, span_ms=5 * HOUR_MS))
    await EventWriter(warehouse).write(events)
    return warehouse


async def test_every_panel_query_returns_rows(loaded: Warehouse) -> None:
    to_s = int(time.time())
    from_s = to_s - 24 * 3600
    checked = 0
    for path in sorted((GRAFANA / "dashboards").glob("*.json")):
        board = json.loads(path.read_text())
        tenants = ["t-alpha", "t-beta"]
        for var in board.get("templating", {}).get("list", []):
            rows = await loaded.rows(expand(var["query"], from_s, to_s, tenants))
            assert [r[0] for r in rows] == ["t-alpha", "t-beta", "t-gamma"]
        for panel in _panels(board):
            for target in panel["targets"]:
                if "expr" in target:
                    continue  # Prometheus: checked by the test above
                sql = expand(target["rawSql"], from_s, to_s, tenants)
                result = loaded.client.query(sql)
                where = f"{path.name} / {panel['title']}"
                assert result.result_rows, f"no rows: {where}"
                if panel["type"] == "timeseries":
                    assert result.column_names[0] == "time", where
                    assert target["format"] == 0
                checked += 1
    assert checked >= 20
