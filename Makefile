.PHONY: run demo test lint bench ci refresh

run:
	streamlit run serve.py

demo:
	python -m data_access.demo

test:
	python -m pytest

MYPY_TARGETS := $(shell sed -n 's/^MYPY_TARGETS="\(.*\)"/\1/p' .ci/run)

lint:
	ruff check . && ruff format --check . && mypy $(MYPY_TARGETS)

bench:
	python -m benchmarks.run --scale 1 && python -m benchmarks.pages && python -m benchmarks.quality_checks

ci:
	bash .ci/run

refresh:
	python -m data_access.refresh_summaries
