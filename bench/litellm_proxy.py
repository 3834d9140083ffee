"""LiteLLM's proxy from its own virtual environment (bench/setup.sh installs it), one worker
or several (uvicorn workers on one port), no database, offline price map, every model name
pointed at the same upstream simulator."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

MASTER_KEY = "sk-bench-litellm-master"
MODEL_NAMES = ("fast", "auto", "gpt-4o-mini")


class LiteLLMProxy:
    def __init__(
        self, venv: Path, workdir: Path, upstream_v1: str, port: int, workers: int = 1
    ) -> None:
        self.venv, self.workdir, self.upstream_v1, self.port = venv, workdir, upstream_v1, port
        self.workers = workers
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / "litellm.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def version(self) -> str:
        out = subprocess.run(
            [
                str(self.venv / "bin/python"),
                "-c",
                "import importlib.metadata as m; print(m.version('litellm'))",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()

    def _config(self) -> Path:
        lines = ["model_list:"]
        for name in MODEL_NAMES:
            lines += [
                f"  - model_name: {name}",
                "    litellm_params:",
                "      model: openai/gpt-4o-mini",
                f"      api_base: {self.upstream_v1}",
                "      api_key: sim-openai-key",
            ]
        lines += [
            "litellm_settings:",
            "  drop_params: true",
            "  set_verbose: false",
            "  json_logs: false",
        ]
        path = self.workdir / "litellm-config.yaml"
        path.write_text("\n".join(lines) + "\n")
        return path

    def start(self, timeout_s: float = 180.0) -> LiteLLMProxy:
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "LITELLM_MASTER_KEY": MASTER_KEY,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "LITELLM_LOG": "ERROR",
            "LITELLM_TELEMETRY": "False",
            "DISABLE_SCHEMA_UPDATE": "True",
        }
        for var in ("DATABASE_URL", "VIRTUAL_ENV", "PYTHONPATH", "UV_PROJECT_ENVIRONMENT"):
            env.pop(var, None)
        argv = [
            str(self.venv / "bin/litellm"),
            "--config",
            str(self._config()),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--num_workers",
            str(self.workers),
        ]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                argv,
                env=env,
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout_s
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"LiteLLM exited ({self.proc.returncode}); see "
                    f"{self.log_path}:\n{self.log_path.read_text()[-3000:]}"
                )
            try:
                if (
                    httpx.get(
                        f"http://127.0.0.1:{self.port}/health/liveliness", timeout=1
                    ).status_code
                    == 200
                ):
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"LiteLLM not ready after {timeout_s}s; see {self.log_path}")
            time.sleep(0.3)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        pgid = self.proc.pid  # start_new_session: the proxy leads its own process group
        try:
            os.killpg(pgid, signal.SIGTERM)
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        except ProcessLookupError:
            pass
