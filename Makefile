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

.PHONY: demo test lint check-chromium check-ffmpeg bench-video bench-vips serve worker clean

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

# The photo benchmark's peers (bench/photo_pipeline.py): pyvips over PyPI's libvips
# (pyvips-binary, the fastest here; no HEVC decoder) and over Debian's libvips42 (8.14,
# decodes HEIC), each in its own interpreter so that the two libvips never meet.
bench-vips: $(DEV_STAMP)
	@dpkg -s libvips42 >/dev/null 2>&1 || { \
	  echo "installing Debian's libvips for the photo benchmark"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends libvips42 >/dev/null; }
	@test -x bench/.venvs/vips-pypi/bin/python || { $(PYTHON) -m venv bench/.venvs/vips-pypi && \
	  bench/.venvs/vips-pypi/bin/pip install --quiet pyvips pyvips-binary; }
	@test -x bench/.venvs/vips-debian/bin/python || { $(PYTHON) -m venv bench/.venvs/vips-debian && \
	  bench/.venvs/vips-debian/bin/pip install --quiet pyvips; }
	bench/.venvs/vips-pypi/bin/python -c "import pyvips; print('PyPI libvips', pyvips.version(0), pyvips.version(1), pyvips.version(2))"
	bench/.venvs/vips-debian/bin/python -c "import pyvips; print('Debian libvips', pyvips.version(0), pyvips.version(1), pyvips.version(2))"

serve: $(RUNTIME_STAMP)
	$(BIN)/schriftje serve

worker: $(RUNTIME_STAMP)
	$(BIN)/schriftje worker

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
