"""Tools for developers, shared by the tests and the benchmarks; never imported by the dashboard.

``devtools.pgserver``: a throw-away PostgreSQL server (and fresh databases on it) for a test
session or a benchmark run.
"""
