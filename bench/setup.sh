#!/usr/bin/env bash
# Tools `make bench` needs beyond the workspace: wrk and hey (Debian), and LiteLLM's proxy plus
# py-spy in their own virtual environment under bench/.work/ (git-ignored). Idempotent: a
# second run only checks.
set -euo pipefail
cd "$(dirname "$0")"

LITELLM_SPEC="${LITELLM_SPEC:-litellm[proxy]==1.108.7}"  # the newest 1.108.x whose extras resolve
PYSPY_SPEC="${PYSPY_SPEC:-py-spy==0.4.3}"
VENV=.work/litellm-venv
STAMP="$VENV/.bench-installed"

if ! command -v wrk >/dev/null || ! command -v hey >/dev/null; then
    echo "bench: installing wrk and hey with apt-get" >&2
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get install -y -q wrk hey >/dev/null 2>&1 \
        || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q wrk hey >/dev/null; }
fi

want="$LITELLM_SPEC $PYSPY_SPEC"
if [ ! -x "$VENV/bin/litellm" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
    echo "bench: installing $LITELLM_SPEC and $PYSPY_SPEC into bench/$VENV (about 750 MB)" >&2
    mkdir -p .work
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        "$LITELLM_SPEC" "$PYSPY_SPEC"
    echo "$want" > "$STAMP"
fi
"$VENV/bin/python" -c 'import importlib.metadata as m; print("bench: litellm", m.version("litellm"))'
