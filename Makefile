# Two commands do all the set-up on a fresh machine:
#   make demo   the whole cycle (release, submit, collect, grade, feedback, export) on a bundled class
#   make test   the project's tests
VENV := .venv
PY := $(VENV)/bin/python
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: demo test build grade bench

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	@# rfc3987-syntax (an optional extra of jsonschema) costs ~3 s at the start of every nbgrader command
	$(PY) -m pip uninstall -q -y rfc3987-syntax
	touch $@

demo: $(VENV)/.installed
	$(PY) -m autograder demo

test: $(VENV)/.installed
	$(PY) -m pytest

build: $(VENV)/.installed
	$(PY) -m autograder build

bench: $(VENV)/.installed
	$(PY) benchmarks/throughput.py
