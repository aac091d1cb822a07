# RepoHealth: `make run` and `make test` set everything up themselves.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# RQ workers that `make run` / `make demo` start: `make run WORKERS=4` (or RQ_WORKERS=4 in the environment).
WORKERS ?= $(or $(RQ_WORKERS),1)

.PHONY: run dev demo lint test test-setup bench bench-scale migrate stop clean

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) is needed (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

migrate: $(STAMP)
	$(PY) manage.py migrate --noinput

run: $(STAMP)
	RQ_WORKERS=$(WORKERS) $(PY) -m devserver.runner

# For changing the code: Django's development server (reloads on every change) and DEBUG on.
dev: $(STAMP)
	RQ_WORKERS=$(WORKERS) $(PY) -m devserver.runner --dev

demo: $(STAMP)
	RQ_WORKERS=$(WORKERS) $(PY) -m devserver.runner --demo

# Style and function size (pyproject.toml's [tool.ruff]).
lint: $(STAMP)
	$(VENV)/bin/ruff check .

# What the suite needs besides the virtualenv: the code passes the linter, Chromium is there,
# GitHub's schemas are cached. CI runs this once before its two `make test` passes.
test-setup: lint
	@$(PY) -m tests.browser.chromium
	$(PY) -m tests.schemas.fetch

test: test-setup
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m bench $(BENCH_ARGS)

# The scale rows alone at BENCH_SCALE repositories (not part of `make bench`): `BENCH_SCALE=50000 make bench-scale`.
BENCH_SCALE ?= 1000000
bench-scale: $(STAMP)
	$(PY) -m bench --scale $(BENCH_SCALE) $(BENCH_ARGS)

stop: $(STAMP)
	$(PY) -m devserver.embedded_redis stop

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache .hypothesis .ruff_cache
