# Every target works on a fresh machine that has only python3: the virtual
# environment is created and the project installed into it on first use.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint gates bench load check eval clean

$(BIN)/python:
	python3 -m venv $(VENV)

# Reinstall when pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/mingbai run

# two pytest workers (pytest-xdist): the tests wait on servers and browsers as much as they compute
test: $(VENV)/.installed-test
	$(BIN)/mingbai faq check --strict faq
	$(BIN)/python -m pytest -q -m "not shared" -n 2

# ruff with the rules in pyproject.toml [tool.ruff] (tests/test_lint.py runs the same inside make test)
lint: $(VENV)/.installed-test
	$(BIN)/ruff check bot intents tests bench tools

# The accuracy gates on ../shared (the dev set, the real questions): CI runs them after make test.
gates: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -m shared

check: $(VENV)/.installed-test
	$(BIN)/mingbai faq check --strict faq

# every labelled file present (tests/support/eval_sets.py; $MINGBAI_SHARED, default ../shared)
eval: $(VENV)/.installed-test
	$(BIN)/mingbai eval $$($(BIN)/python -m tests.support.eval_sets)

bench: $(VENV)/.installed-test
	$(BIN)/python bench/match_bench.py
	$(BIN)/python bench/danger_bench.py

# Long load runs, kept out of `make test`.
load: $(VENV)/.installed-test
	$(BIN)/python bench/load_web.py
	$(BIN)/python bench/load_telegram.py
	$(BIN)/python bench/load_two_processes.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
