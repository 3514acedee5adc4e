# Two commands do all the set-up on a fresh machine:
#   make run   - install into .venv and run the main job (a REPL; ARGS="fleet", ARGS="doctor", ...)
#   make test  - install into .venv and run the whole gate (format, lint, types, tests)
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench matrix matrix-ci system-deps

$(STAMP): pyproject.toml constraints.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/claude-coder $(or $(ARGS),repl)

lint: $(STAMP)
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy

# npm and openssh-server, installed with apt when missing (scripts/system-deps).
system-deps:
	scripts/system-deps

# Two test processes (pytest-xdist); the remote-member tests share one sshd: one worker.
TEST_WORKERS ?= 2

test: system-deps lint
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup

# The Claude Code version matrix (docs/transports.md): npm installs into a cache dir.
matrix: $(STAMP)
	$(BIN)/python scripts/matrix.py --set wide --write-docs

matrix-ci: $(STAMP)
	$(BIN)/python scripts/matrix.py --set ci

bench: $(STAMP)
	for b in bench/bench_*.py; do $(BIN)/python $$b || exit 1; done
