PY := .venv/bin/python

.PHONY: setup demo test test-all lint bench clean

setup: .venv/.installed

.venv/.installed: pyproject.toml package.json scripts/setup.sh
	bash scripts/setup.sh

demo: setup
	$(PY) run.py demo

test: setup
	$(PY) -m pytest -q

lint: setup
	.venv/bin/ruff check engine bench
	.venv/bin/ruff format --check engine bench
	.venv/bin/mypy

test-all: setup
	$(PY) -m pytest -q -m ""

bench: setup
	$(PY) -m bench

clean:
	rm -rf .venv out
