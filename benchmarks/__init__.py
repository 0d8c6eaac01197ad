"""Reproducible timing of the dashboard's queries at district, province and national scale.

``python -m benchmarks.run --scale N`` (see ``benchmarks/run.py``); results go to
``benchmarks/results/`` (ignored by git).
"""
