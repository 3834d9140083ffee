"""Grafana dashboards as code: `python -m tokaroo_ledger.analytics dashboards --out DIR`."""

from __future__ import annotations

from pathlib import Path

from tokaroo_ledger.analytics.dashboards.build import encode
from tokaroo_ledger.analytics.dashboards.specs import DASHBOARDS, DashboardSpec, PanelSpec

__all__ = ["DASHBOARDS", "DashboardSpec", "PanelSpec", "encode", "write_dashboards"]


def write_dashboards(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in DASHBOARDS:
        path = out / f"{spec.uid}.json"
        path.write_text(encode(spec))
        written.append(path)
    return written
