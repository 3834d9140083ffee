"""How the in-process bench scripts record a result: the command that reproduces it, when it
ran and how loaded the machine was at the end, then the script's own fields, as JSON."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def write_result(out: Path, module: str, argv: Sequence[str], body: Mapping[str, Any]) -> None:
    """Write `body` to `out` after the provenance fields (`module`: the script, run as
    `python -m bench.<module>` with `argv`)."""
    result = {
        "command": " ".join(["uv run --frozen python -m", f"bench.{module}", *argv]),
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        **body,
    }
    out.write_text(json.dumps(result, indent=1) + "\n")
