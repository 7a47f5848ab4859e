# Two commands do all the set-up on a fresh machine:
#   make demo   the whole cycle (release, submit, collect, grade, feedback, export) on a bundled class
#   make test   the project's tests
VENV := .venv
PY := $(VENV)/bin/python
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: demo test build grade bench browser

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@# rfc3987-syntax (an optional extra of jsonschema) costs ~3 s at the start of every nbgrader command
	$(PY) -m pip uninstall -q -y rfc3987-syntax
	touch $@

demo: $(VENV)/.installed
	$(PY) -m autograder demo

# the browser tests' chromium and chromedriver (Debian's packages), when root can install them
browser:
	@command -v chromedriver >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) ; } || \
	  echo "no chromedriver: the browser tests will be skipped (install Debian's chromium and chromium-driver)"

test: $(VENV)/.installed browser
	$(PY) -m pytest

build: $(VENV)/.installed
	$(PY) -m autograder build

bench: $(VENV)/.installed
	$(PY) benchmarks/throughput.py
