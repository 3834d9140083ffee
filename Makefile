# Tokaroo: the entry points a person types.
#   make run    start the whole local stack (NATS, Valkey, PostgreSQL, simulator, services)
#   make test   install everything from the lock file and run every test

SHELL := /bin/bash
PYTHON ?= python3
UV ?= $(PYTHON) -m uv
PYTEST_ARGS ?=

.PHONY: run test deps uv proto proto-check lint typecheck bench clean

uv:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "uv>=0.5"

deps: uv
	$(UV) sync --frozen --all-packages

run: deps
	$(UV) run --frozen tokaroo up

test: deps
	$(UV) run --frozen python -m pytest -q $(PYTEST_ARGS)

proto: deps
	$(UV) run --frozen python libs/proto/generate.py

lint: deps
	$(UV) run --frozen ruff check .

typecheck: deps
	$(UV) run --frozen mypy libs/common/src services/router/src services/edge/src

clean:
	rm -rf .tokaroo .pytest_cache .mypy_cache .ruff_cache
