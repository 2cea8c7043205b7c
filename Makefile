# Two commands on a fresh machine (Python 3.11+ and the package registries):
#   make run    set up .venv and serve the dashboard on the Occitanie demo (built on first run)
#   make test   set up .venv and run the whole test suite (ruff, mypy, then pytest)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8050

.PHONY: run test install lint clean bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/ecosystem serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(VENV)/bin/ruff check ecosystem maps dashboard data tests benchmarks scripts
	$(VENV)/bin/mypy ecosystem

test: $(STAMP) lint
	$(VENV)/bin/pytest

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(PY) $$b --quick || exit 1; done

clean:
	rm -rf $(VENV) demo.gpkg .pytest_cache .ruff_cache
