.PHONY: run demo test lint bench ci refresh

run:
	streamlit run app.py

demo:
	python -m data_access.demo

test:
	python -m pytest

lint:
	ruff check . && ruff format --check . && mypy data_access charts

bench:
	python -m benchmarks.run --scale 1 && python -m benchmarks.pages && python -m benchmarks.quality_checks

ci:
	bash .ci/run

refresh:
	python -m data_access.refresh_summaries
