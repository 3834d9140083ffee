# Tokaroo: the entry points a person types.
#   make run    start the whole local stack (NATS, Valkey, PostgreSQL, simulator, services)
#   make run-cluster   the same as a cluster: 3 NATS nodes, 2 replicas of each service, HAProxy
#   make test   install everything from the lock file and run every test

SHELL := /bin/bash
PYTHON ?= python3
UV ?= $(PYTHON) -m uv
PYTEST_ARGS ?=

.PHONY: run run-cluster setup test deps uv proto proto-check lint format typecheck bench clean chaos chaos-cluster images soak bench-sessions

uv:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "uv>=0.5"

deps: uv
	$(UV) sync --frozen --all-packages

run: deps
	$(UV) run --frozen tokaroo up

run-cluster: deps setup
	$(UV) run --frozen tokaroo up --cluster

# Machine packages some tests need, from Debian's registry (each script skips with a reason
# when it cannot install): chromium for the console's browser tests, HAProxy for the cluster.
setup:
	bash tests/e2e/setup_browser.sh
	bash tests/e2e/setup_haproxy.sh

test: deps setup
	$(UV) run --frozen python -m pytest -q --durations=25 $(PYTEST_ARGS)

proto: deps
	$(UV) run --frozen python libs/proto/generate.py

lint: deps
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

format: deps
	$(UV) run --frozen ruff format .

TYPED = sdks/python/src libs/common/src libs/cli/src services/edge/src services/router/src services/cache/src services/ledger/src services/research/src services/simulator/src

typecheck: deps
	$(UV) run --frozen mypy $(TYPED)

# Tokaroo next to LiteLLM's proxy (installs wrk, hey, LiteLLM and py-spy under bench/.work/):
#   make bench [BENCH_ARGS="--quick"]   -> bench/results/bench.json, RESULTS.md, profile-edge.txt
bench: deps
	bash bench/setup.sh
	$(UV) run --frozen python -m bench.run $(BENCH_ARGS)

# Container images of the services, one recipe (services/Dockerfile, --build-arg SERVICE=...),
# built from the repository root (the uv workspace):
#   make images [IMAGE_PREFIX=tokaroo] [IMAGE_TAG=dev] [CONTAINER_ENGINE=docker|podman]
images:
	@engine="$${CONTAINER_ENGINE:-$$(command -v docker || command -v podman)}"; \
	if [ -z "$$engine" ]; then \
	  echo "make images: neither docker nor podman is installed (set CONTAINER_ENGINE)" >&2; \
	  exit 1; \
	fi; \
	"$$engine" info >/dev/null 2>&1 || { \
	  echo "make images: $$engine is installed but cannot reach its engine (daemon not running?)" >&2; \
	  exit 1; }; \
	for svc in edge router cache ledger research; do \
	  image="$${IMAGE_PREFIX:-tokaroo}/$$svc:$${IMAGE_TAG:-dev}"; \
	  echo "building $$image"; \
	  "$$engine" build -f services/Dockerfile --build-arg SERVICE=$$svc -t "$$image" . || exit 1; \
	done

clean:
	rm -rf .tokaroo .pytest_cache .mypy_cache .ruff_cache

# Fault injection under load (kill -9 each service and server, slow/failing providers);
# results in bench/results/chaos.json.
chaos: deps
	$(UV) run --frozen python -m tests.chaos --out bench/results/chaos.json

# The same on the cluster stack (3 NATS nodes, 2 replicas of each service behind HAProxy):
# kill -9 an edge, a ledger, a NATS node and the stream leader, Valkey, PostgreSQL; a per-key
# rate limit across the edges; results in bench/results/chaos-cluster.json.
chaos-cluster: deps setup
	$(UV) run --frozen python -m tests.chaos_cluster --out bench/results/chaos-cluster.json

# A long run of steady mixed traffic, watching every service for leaks (RSS slope after
# warm-up, descriptors, event-loop tasks, outbox depth); results in bench/results/soak.json.
#   make soak [SOAK_ARGS="--minutes 30 --rate 20"]
# Recorded agent sessions (OpenClaw, Claude Code) replayed with session routing and prompt
# caching on and off: bench/results/session-replay.json (about 4 minutes).
bench-sessions: deps
	$(UV) run --frozen python -m bench.sessions

soak: deps
	$(UV) run --frozen python -m bench.soak $(SOAK_ARGS) --out bench/results/soak.json
