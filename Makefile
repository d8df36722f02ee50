# Suanpan: `make run` serves the suite with demo data; `make test` runs the tests.
# Set SUANPAN_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test for PostgreSQL.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY_STAMP   := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: run test setup system-deps runtime-deps bytecode lint typecheck messages bench clean

run: setup runtime-deps bytecode
	$(BIN)/suanpan setup
	$(BIN)/suanpan serve

# one test process per core (pytest-xdist); PYTEST_ARGS="-n0" runs in one process
PYTEST_ARGS ?= -n auto --dist loadgroup

test: setup system-deps bytecode
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Compiled once here, the modules load from bytecode in every process the tests and the
# server start, even where PYTHONDONTWRITEBYTECODE keeps Python from writing it itself
# (as on our CI machines): compiling them again cost each process about a second.
bytecode:
	$(BIN)/python -m compileall -q -j 0 core plugins tests bench > /dev/null

setup: $(PY_STAMP) $(NODE_STAMP)

$(PY_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/python -m pip install --quiet --no-build-isolation --config-settings editable_mode=compat -e '.[test]'
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Chromium (browser tests), poppler (PDF text) and a CJK font; installed when missing and root.
system-deps:
	@scripts/system-deps

# What serving needs: the CJK font and Pango for printing (WeasyPrint).
runtime-deps:
	@scripts/system-deps --runtime

# ruff everywhere; mypy --strict on the kernel and the in-repo plugins; bandit with no
# medium or high finding in them (settings of all three in pyproject.toml).
lint: setup
	$(BIN)/ruff check core plugins tests scripts migrations
	$(BIN)/mypy core plugins
	$(BIN)/bandit -c pyproject.toml -r core plugins --severity-level medium --quiet

typecheck: lint

messages: setup
	$(BIN)/python scripts/messages.py

messages-check: setup
	$(BIN)/python scripts/messages.py --check

# the quick benchmarks (under 5 minutes on a quiet 2-CPU machine); the full ones: bench/README.md
bench: setup
	$(BIN)/python bench/run.py
	$(BIN)/python bench/http_load.py --customers 10000 --contracts 1000

clean:
	rm -rf $(VENV) node_modules build *.egg-info
