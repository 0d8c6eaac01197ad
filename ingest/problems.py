"""What an import found wrong with a file: one row of the problem table per finding.

Errors block the load; warnings are shown and do not. Each finding names the sheet row (as Excel
numbers it), the column as the file heads it, the value as read, and a plain sentence in
Vietnamese (English beside it for the language switch).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal

import pandas as pd

from charts.formatting import fmt_decimal, fmt_int
from i18n import Catalog, choose

Severity = Literal["error", "warning"]
T = Catalog(
    "ingest.problems",
    {
        "severity": ("Mức", "Level"),
        "row": ("Dòng", "Row"),
        "column": ("Cột", "Column"),
        "value": ("Giá trị", "Value"),
        "message": ("Vấn đề", "Problem"),
        "error": ("Lỗi (chặn nhập)", "Error (blocks the load)"),
        "warning": ("Cảnh báo", "Warning"),
    },
)


@dataclass(frozen=True)
class Problem:
    """One finding: ``row`` 0 for the file as a whole (no row of it)."""

    severity: Severity
    row: int
    column: str
    value: str
    vi: str
    en: str

    def message(self, lang: str = "vi") -> str:
        return choose(lang, self.vi, self.en)


def error(row: int, column: str, value: object, vi: str, en: str) -> Problem:
    return Problem("error", row, column, _shown(value), vi, en)


def warning(row: int, column: str, value: object, vi: str, en: str) -> Problem:
    return Problem("warning", row, column, _shown(value), vi, en)


def _shown(value: object) -> str:
    """A value as the office typed it: 1.250.000 (not 1250000.0), 16/07/2023."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return fmt_int(int(value))
    if isinstance(value, float):
        return fmt_decimal(value, 2)
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y %H:%M}" if value.time() != time() else f"{value:%d/%m/%Y}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return str(value)


def problem_table(problems: list[Problem], lang: str = "vi") -> pd.DataFrame:
    """The problems as the page shows them: errors first, then by row."""
    ordered = sorted(problems, key=lambda p: (p.severity != "error", p.row, p.column))
    return pd.DataFrame(
        {
            T("severity", lang): [T(p.severity, lang) for p in ordered],
            T("row", lang): pd.array([p.row or None for p in ordered], dtype="Int64"),
            T("column", lang): [p.column for p in ordered],
            T("value", lang): [p.value for p in ordered],
            T("message", lang): [p.message(lang) for p in ordered],
        }
    )
