# Schriftje: the two commands of the README, and their building blocks.
#   make demo   set up (once) and run the service with demo data on the embedded default
#   make test   set up (once) and run the whole test suite with its checks
# Set-up is idempotent: a virtualenv in .venv, re-installed only when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HASH := $(shell sha1sum pyproject.toml | cut -c1-12)
RUNTIME_STAMP := $(VENV)/.runtime-$(HASH)
DEV_STAMP := $(VENV)/.dev-$(HASH)
PYTEST_ARGS ?=

.PHONY: demo test lint check-chromium check-ffmpeg bench-video serve worker clean

demo: $(RUNTIME_STAMP)
	$(BIN)/schriftje demo

test: $(DEV_STAMP) check-chromium lint
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	rm -f $(VENV)/.runtime-*
	touch $@

$(DEV_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.dev-* $(VENV)/.runtime-*
	touch $@ $(RUNTIME_STAMP)

# The browser tests drive Debian's chromium (Playwright with executable_path);
# Playwright's own browser download cannot work offline.
check-chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

# The video benchmark's peer is Debian's ffmpeg command line (bench/video.py); the
# service itself needs none (PyAV's wheels carry FFmpeg's libraries with x264).
check-ffmpeg:
	@command -v ffmpeg >/dev/null 2>&1 || { \
	  echo "installing Debian's ffmpeg for the video benchmark"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null; }

bench-video: $(DEV_STAMP) check-ffmpeg
	$(BIN)/python bench/video.py --latency

serve: $(RUNTIME_STAMP)
	$(BIN)/schriftje serve

worker: $(RUNTIME_STAMP)
	$(BIN)/schriftje worker

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
