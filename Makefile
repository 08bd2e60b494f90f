# Two commands: `make run` serves the portal with demo data; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# Tests run on every core (pytest-xdist); TEST_WORKERS=0 runs them in one process.
TEST_WORKERS ?= auto
export FLASK_APP := portal

.PHONY: run test scheduler assets

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
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

assets:
	scripts/build-assets

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(VENV)/.installed $@
