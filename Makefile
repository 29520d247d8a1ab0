# Two commands for a fresh machine (see README.md):
#   make lab   - create the environment if missing, install everything, open JupyterLab on lessons/
#   make test  - create the environment if missing, install everything, run the whole test suite
#                (the package's tests, and every lesson re-run and compared cell by cell: strict nbval)
#   make lessons - re-execute every lesson in lessons/ and save its outputs (after editing one)
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: lab test lessons bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[lab,test]"
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/minichain lab

test: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadfile tests lessons --nbval --nbval-current-env

lessons: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
