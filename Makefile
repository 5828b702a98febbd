# lifkit's set-up, tests and demo. On a fresh machine with Python 3.11+ and make:
#   make demo    creates .venv, installs lifkit, runs it on a throw-away practice workspace
#                (make demo PROCESS=rapid-review-2023: a partnership's rapid review, in build/demo-rapid-review-2023)
#                (make demo PROCESS=sar-care-act-2014: a Safeguarding Adults Board's SAR decisions, in
#                build/demo-sar-care-act-2014)
#   make test    creates .venv, installs lifkit with its test extras and tools, runs the whole suite

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PROCESS  ?= lscb-2016
DEMO_DIR ?= build/demo$(if $(filter-out lscb-2016,$(PROCESS)),-$(PROCESS))
# External programs the tests read lifkit's output with (Debian package names).
TEST_PACKAGES := qpdf pdftk-java poppler-utils libreoffice-writer-nogui libreoffice-calc-nogui mpack texlive-latex-base ghostscript chromium
TEST_TOOLS    := qpdf pdftk pdftoppm soffice munpack pdflatex gs ps2pdf chromium
# axe-core (npm, which comes with the machine's Node.js: Debian's npm package conflicts with NodeSource's nodejs),
# injected into the dashboard's pages by the browser tests; Playwright drives Debian's chromium
# (the test extras install it; `playwright install` is never needed)
AXE := build/node_modules/axe-core/axe.min.js

.PHONY: all demo test test-tools axe venv bench fuzz clean

all: test

$(STAMP): setup.cfg pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "lifkit needs Python 3.11 or newer; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

# Installs the external tools the tests use, where they are missing and this machine can (root + apt).
test-tools:
	@missing=""; for tool in $(TEST_TOOLS); do command -v $$tool >/dev/null 2>&1 || missing="$$missing $$tool"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	echo "Installing the test tools (missing:$$missing)"; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq $(TEST_PACKAGES) >/dev/null; \
	else \
	  echo "Cannot install them here: install the Debian packages $(TEST_PACKAGES) (or your system's equivalents)."; \
	  echo "Tests that need them are skipped outside CI."; \
	fi

# axe-core for the dashboard's accessibility tests, where npm can fetch it (the tests say so when it is missing)
axe: $(AXE)

$(AXE):
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --prefix build --no-audit --no-fund --silent axe-core@4 || echo "npm could not install axe-core: its tests are skipped."; \
	else echo "npm is not installed: the dashboard's axe-core tests are skipped."; fi

# On every core (pytest-xdist): each worker builds its own demo workspaces, so no test shares files with
# another worker's; tests marked with one xdist_group run on one worker. TEST_WORKERS=0: in this one process.
TEST_WORKERS ?= auto

test: venv test-tools axe
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

# Ten thousand mutated returns through `lifkit validate` (the default suite runs a few hundred).
fuzz: venv
	LIFKIT_FUZZ=10000 $(BIN)/python -m pytest tests/test_fuzz.py -q -p no:cacheprovider

demo: venv
	rm -rf $(DEMO_DIR)
	$(BIN)/lifkit demo $(DEMO_DIR) --process $(PROCESS)

# Times lifkit against reference tools in the same run; writes bench/results.md (quoted in the README).
bench: venv test-tools
	@command -v hyperfine >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq hyperfine >/dev/null; }
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis
