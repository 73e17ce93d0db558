# ParkBrain set-up. `make demo` builds the demo park and serves it; `make test` runs the suite.
# Both create .venv when absent and install what they need from PyPI, npm and Debian.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
ENTERPRISES ?= 20000
VENDOR := src/parkbrain/web/static/vendor

.PHONY: demo test install assets browser postgres lint bench clean

demo: install assets
	$(BIN)/parkbrain demo --enterprises $(ENTERPRISES) --port $(PORT)

test: install assets browser postgres
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test,spark]'
	touch $@

# ECharts and HTMX come from the npm registry at set-up and are served by the app itself.
assets: $(VENDOR)/.stamp

$(VENDOR)/.stamp: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp frontend/node_modules/echarts/dist/echarts.min.js $(VENDOR)/
	cp frontend/node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	touch $@

# Page tests drive Debian's chromium through Playwright (Playwright cannot download a browser here);
# a CJK font makes their screenshots readable.
BROWSER_PACKAGES := chromium fonts-wqy-microhei
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi wqy; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null; \
	  else echo "missing: run 'sudo apt-get install $(BROWSER_PACKAGES)' (page tests need chromium)"; exit 1; fi; fi

# The operational-database tests run on SQLite and on PostgreSQL (127.0.0.1:5432, database test).
postgres:
	@bash scripts/ensure-postgres.sh

lint: install
	$(BIN)/ruff check src tests benchmarks

bench: install
	$(BIN)/python benchmarks/bench_import.py

clean:
	rm -rf $(VENV) frontend/node_modules $(VENDOR) parkbrain-data
