"""Grafana dashboards built with grafana-foundation-sdk from the panel specs.

The SDK has no ClickHouse query builder; `ClickHouseQuery` is the small Dataquery the
grafana-clickhouse-datasource plugin reads (raw SQL editor). Panels over the services'
metrics read Prometheus (`PrometheusQuery`: one PromQL expression per series).
"""

from __future__ import annotations

from typing import Any

from grafana_foundation_sdk.builders import (
    barchart,
    dashboard,
    piechart,
    stat,
    table,
    timeseries,
)
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import (
    DataSourceRef,
    VariableOption,
    VariableRefresh,
    VariableSort,
)

from tokaroo_ledger.analytics.dashboards.specs import (
    TENANT_VARIABLE_SQL,
    DashboardSpec,
    PanelSpec,
)

DATASOURCE = DataSourceRef(type_val="grafana-clickhouse-datasource", uid="tokaroo-clickhouse")
PROMETHEUS = DataSourceRef(type_val="prometheus", uid="tokaroo-prometheus")
_PANELS: dict[str, Any] = {
    "stat": stat.Panel,
    "timeseries": timeseries.Panel,
    "table": table.Panel,
    "piechart": piechart.Panel,
    "barchart": barchart.Panel,
}


class ClickHouseQuery(cogvariants.Dataquery):
    def __init__(self, ref_id: str, sql: str, timeseries: bool) -> None:
        self.ref_id = ref_id
        self.sql = sql
        self.timeseries = timeseries

    def to_json(self) -> dict[str, object]:
        return {
            "refId": self.ref_id,
            "datasource": DATASOURCE.to_json(),
            "editorType": "sql",
            "rawSql": self.sql,
            "format": 0 if self.timeseries else 1,
            "queryType": "timeseries" if self.timeseries else "table",
        }


class ClickHouseQueryBuilder(cogbuilder.Builder[cogvariants.Dataquery]):
    def __init__(self, ref_id: str, sql: str, timeseries: bool) -> None:
        self._query = ClickHouseQuery(ref_id, sql, timeseries)

    def build(self) -> cogvariants.Dataquery:
        return self._query


class PrometheusQuery(cogvariants.Dataquery):
    def __init__(self, ref_id: str, expr: str, legend: str) -> None:
        self.ref_id = ref_id
        self.expr = expr
        self.legend = legend

    def to_json(self) -> dict[str, object]:
        return {
            "refId": self.ref_id,
            "datasource": PROMETHEUS.to_json(),
            "expr": self.expr,
            "legendFormat": self.legend,
            "range": True,
        }


class PrometheusQueryBuilder(cogbuilder.Builder[cogvariants.Dataquery]):
    def __init__(self, ref_id: str, expr: str, legend: str) -> None:
        self._query = PrometheusQuery(ref_id, expr, legend)

    def build(self) -> cogvariants.Dataquery:
        return self._query


def _panel(spec: PanelSpec) -> Any:
    builder = _PANELS[spec.kind]()
    source = PROMETHEUS if spec.promql else DATASOURCE
    panel = (
        builder.title(spec.title)
        .description(spec.description)
        .datasource(source)
        .unit(spec.unit)
        .span(spec.width)
        .height(spec.height)
    )
    if not spec.promql:
        return panel.with_target(ClickHouseQueryBuilder("A", spec.sql, spec.kind == "timeseries"))
    for i, (legend, expr) in enumerate(spec.promql):
        panel = panel.with_target(PrometheusQueryBuilder(chr(ord("A") + i), expr, legend))
    return panel


def _tenant_variable() -> dashboard.QueryVariable:
    return (
        dashboard.QueryVariable("tenant")
        .label("Tenant")
        .datasource(DATASOURCE)
        .query(TENANT_VARIABLE_SQL)
        .multi(True)
        .include_all(True)
        .current(VariableOption(selected=True, text=["All"], value=["$__all"]))
        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(VariableSort.ALPHABETICAL_ASC)
    )


def build_dashboard(spec: DashboardSpec) -> dashboard.Dashboard:
    board = (
        dashboard.Dashboard(spec.title)
        .uid(spec.uid)
        .description(spec.description)
        .tags(list(spec.tags))
        .time("now-24h", "now")
        .refresh("1m")
        .timezone("utc")
    )
    if spec.tenant_variable:
        board = board.with_variable(_tenant_variable())
    for panel in spec.panels:
        board = board.with_panel(_panel(panel))
    return board


def encode(spec: DashboardSpec) -> str:
    """The dashboard as stable, sorted JSON (what is written to deploy/grafana/)."""
    return JSONEncoder(sort_keys=True, indent=2).encode(build_dashboard(spec).build()) + "\n"
