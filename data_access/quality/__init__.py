"""Kiểm tra số liệu: data-quality checks, and reconciliation with the figures communes reported.

``CHECKS`` is the registry: each entry (``check.Check``) holds its code, its title, rule and
expected action in plain Vietnamese and English, the query that lists the offending records,
and how it reads the period; ``run_checks`` runs them all for a selection, and
``BY_CHECK[code].rows(...)`` / ``.count(...)`` one of them. ``reconciliation`` sets each
``reported_figure`` beside the value the indicator registry computes for the same commune and
period.

The package, bottom up: ``context`` (the selection and shared SQL), ``check`` (the entry and
how it runs), ``people`` / ``payments`` / ``records`` / ``reference`` (the entries; ``reference``
checks the rate, unit and target tables), ``registry`` (their order),
``reconcile``. The names below are what the quality page, the benchmark and the tests use.
"""

from __future__ import annotations

from .check import LIST_LIMIT, Check, PeriodUse
from .context import Context, context
from .people import OTHER_COMMUNES_SEPARATOR
from .reconcile import MATCH_TOLERANCE, RECONCILIATION_COLUMNS, reconciliation
from .registry import BY_CHECK, CHECKS, Findings, count_problems, run_checks

__all__ = [
    "BY_CHECK",
    "CHECKS",
    "LIST_LIMIT",
    "MATCH_TOLERANCE",
    "OTHER_COMMUNES_SEPARATOR",
    "RECONCILIATION_COLUMNS",
    "Check",
    "Context",
    "Findings",
    "PeriodUse",
    "context",
    "count_problems",
    "reconciliation",
    "run_checks",
]
