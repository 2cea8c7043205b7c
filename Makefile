# Two commands on a fresh machine (Python 3.11+ and the package registries):
#   make run    set up .venv, build the Occitanie demo registry and print its summary
#   make test   set up .venv and run the whole test suite (ruff, then pytest)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install lint clean bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/ecosystem demo --out demo.gpkg

lint: $(STAMP)
	$(VENV)/bin/ruff check ecosystem maps dashboard data tests benchmarks scripts

test: $(STAMP) lint
	$(VENV)/bin/pytest

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(PY) $$b --quick || exit 1; done

clean:
	rm -rf $(VENV) demo.gpkg .pytest_cache .ruff_cache
