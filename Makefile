.PHONY: run demo test lint bench ci

run:
	streamlit run app.py

demo:
	python -m data_access.demo

test:
	python -m pytest

lint:
	ruff check . && ruff format --check . && mypy data_access charts

bench:
	python -m benchmarks.run --scale 1

ci:
	bash .ci/run
