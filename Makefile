# zhnorm — the two set-up commands are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench score fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	@for f in samples/*.in.*; do \
	  echo "=================== $$f"; \
	  echo "------------------- input ($$($(BIN)/python -c 'import sys; from zhnorm.decode import detect; print(detect(open(sys.argv[1], "rb").read()))' "$$f"))"; \
	  $(BIN)/python -c 'import sys, zhnorm; sys.stdout.write(zhnorm.decode(open(sys.argv[1], "rb").read()))' "$$f"; \
	  echo "------------------- zhnorm --to hans $$f"; \
	  $(BIN)/zhnorm --to hans "$$f" || exit 1; \
	done

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

test: $(STAMP) lint
	$(BIN)/python -m pytest

# Throughput against the peers (official OpenCC, ftfy + OpenCC) and the command's own figures.
# BENCH_ARGS=--quick for a fast smoke run.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/bench_cli.py $(BENCH_ARGS)

# Accuracy on the shared data sets (../shared/data).
score: $(STAMP)
	$(BIN)/python benchmarks/score_mojibake.py
	$(BIN)/python benchmarks/score_script.py
	$(BIN)/python benchmarks/score_artefacts.py

# Ten minutes of coverage-guided fuzzing (atheris when it installs, else hypothesis).
fuzz: $(STAMP)
	$(BIN)/python -m pip install --quiet atheris || true
	$(BIN)/python benchmarks/fuzz.py --seconds 600

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache
