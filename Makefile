# GovChain — one entry point. Targets set up what they need (tools/setup.sh is
# idempotent and fast when nothing changed).
SHELL := /bin/bash
ROOT := $(CURDIR)
export PATH := $(ROOT)/node_modules/.bin:$(ROOT)/.venv/bin:$(PATH)
PY := $(ROOT)/.venv/bin/python
PYTEST_BACKEND := $(PY) -m pytest -p no:pytest-brownie

.PHONY: help setup compile run test test-contracts test-ganache test-backend test-e2e test-fuzz test-crash slither gas bench clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

setup: ## install everything (venv, npm toolchain, offline solc, brownie networks)
	@bash tools/setup.sh

compile: setup ## compile the contracts with the offline solc (brownie)
	brownie compile

run: compile ## run the platform: local chain, contracts, demo data, API + console
	$(PY) -m backend.cli up $(ARGS)

test: setup ## run every test: contracts, ganache smoke, slither, backend, browser
	@bash tools/run_tests.sh

test-contracts: setup ## brownie contract tests on anvil
	brownie test tests/contracts --network govchain-test

test-ganache: setup ## smoke run of the contract tests on ganache 7
	brownie test tests/contracts --network govchain-ganache -m ganache_smoke

test-backend: setup ## backend tests (real anvil, real contracts; 3 workers)
	$(PYTEST_BACKEND) -n 3 --dist loadfile tests/backend

test-e2e: setup ## console tests in Debian's headless Chromium (screenshots in reports/screenshots)
	bash tools/setup_e2e.sh
	$(PYTEST_BACKEND) tests/e2e

test-fuzz: setup ## schemathesis over the OpenAPI spec (separate venv .venv-fuzz)
	$(PYTEST_BACKEND) tests/backend/fuzz

test-crash: setup ## the API server SIGKILLed during a batch of writes
	$(PYTEST_BACKEND) tests/backend/crash

.PHONY: openapi
openapi: ## write docs/openapi.json (the API's OpenAPI document, built without a chain; tests fail when stale)
	$(PY) tools/gen_openapi.py

slither: compile ## static analysis: no high or medium findings allowed
	$(PY) tools/run_slither.py

gas: setup ## write reports/gas.json (operations vs baselines of the same run)
	brownie run scripts/gas_report.py --network govchain-test

bench: setup ## write reports/bench.json (throughput and latency vs baselines)
	$(PY) -m benchmarks.run

clean: ## remove build outputs and local state
	rm -rf build reports var .pytest_cache
