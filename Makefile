# Two commands: `make run` serves the portal with demo data; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# Tests run on every core (pytest-xdist); TEST_WORKERS=0 runs them in one process.
TEST_WORKERS ?= auto
export FLASK_APP := portal

.PHONY: run test bench scheduler assets

# One process: the reminder scheduler runs inside it (see README, "Reminders").
run: export PORTAL_SCHEDULER_IN_WEB ?= true
run: $(VENV)/.installed
	scripts/ensure-pdf-libs
	$(BIN)/flask db upgrade
	$(BIN)/flask demo-data
	$(BIN)/flask run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test
	scripts/ensure-pdf-libs
	scripts/ensure-chromium
	scripts/ensure-nginx
	scripts/ensure-oidc-provider
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# The benchmark (issue 21): about half an hour; results in bench/results/. BENCH_ARGS=--quick for a smoke run.
bench: $(VENV)/.installed-bench
	command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

assets:
	scripts/build-assets

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-bench: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	touch $(VENV)/.installed $@

$(VENV)/.installed-test: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(VENV)/.installed $@

# A web-vulnerability scan (wapiti) of a throwaway portal on loopback, as each demo role: scan/results/summary.md.
.PHONY: scan
scan:
	scan/run $(SCAN_ARGS)
