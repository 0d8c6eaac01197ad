"""Download buttons for the table on screen: CSV and Excel, numbers as numbers, text as text.

The page passes the frame it shows (its Vietnamese headers and its raw numbers; the screen
only formats them); both files hold exactly that frame, in its column order.

Excel (.xlsx), the file to calculate with: numbers are numeric cells, the same whatever the
computer's regional settings; whole numbers are integers (838, not 838.0) formatted "#,##0",
other numbers "#,##0.0", a ratio column (header ending in "%") "0.0%", dates "dd/mm/yyyy";
the header row is bold and frozen.

CSV, the convention (for other programs, and Excel opened by a double-click):

- UTF-8 with a byte-order mark, comma-separated, CRLF line ends (RFC 4180). The comma is the
  Windows list separator of both the Vietnamese (vi-VN) and the English (en-US) regional
  formats, so Excel splits the columns in either; a semicolon would leave a vi-VN Excel with
  everything in one column.
- Whole numbers: digits only, without thousands separators or decimals ("1911",
  "14990000000"), read as the same number under every regional setting ("838.0" was read as
  8.380 by a Vietnamese Excel, where "." groups thousands).
- Other numbers: the decimal mark of the interface language, without thousands separators:
  "97,2" in Vietnamese (quoted, as the field holds a comma; a vi-VN Excel reads 97,2) and
  "97.2" in English. A ratio column (header ending in "%") is written in percent: 0.972 ->
  97,2. Whole numbers are safe everywhere; a decimal is read right by an Excel whose regional
  format matches the interface language, so for calculation the .xlsx is the file to use.
- Dates: ISO 8601 (2023-11-30), read the same in every locale. True/false: TRUE / FALSE.
- Text: as it is, except that a cell starting with = + - @, a tab or a carriage return gets
  a leading apostrophe (OWASP CSV injection); numbers are never escaped, so -5 stays -5.

Every cell from data is text or a number, never a formula (``reports.spreadsheet``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import streamlit as st
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from i18n import choose
from reports.spreadsheet import Kind, as_number, csv_text, is_missing, put_text, put_value

from .audit import recorded_download
from .i18n import t

EXCEL_SHEET_MAX = 31  # Excel's limit on sheet-name length
WIDTH_SAMPLE = 200  # rows looked at to size a column
FORMATS = {"int": "#,##0", "float": "#,##0.0", "percent": "0.0%", "date": "dd/mm/yyyy"}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def is_percent(header: object) -> bool:
    """A ratio column (0.972 shown as 97,2%): its header ends with "%"."""
    return str(header).rstrip().endswith("%")


# --- CSV --------------------------------------------------------------------------------------


def _csv_number(number: int | float, percent: bool, mark: str) -> str:
    """A number in the CSV convention: digits, the language's decimal mark, no grouping."""
    exact = Decimal(repr(number))
    if percent:
        exact *= 100
    if exact == exact.to_integral_value():
        return str(int(exact))
    return format(exact.normalize(), "f").replace(".", mark)


def _csv_cell(value: object, percent: bool, mark: str) -> str:
    if is_missing(value):
        return ""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "TRUE" if value else "FALSE"
    number = as_number(value)
    if number is not None:
        return _csv_number(number, percent, mark)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return csv_text(value)


def to_csv(frame: pd.DataFrame, lang: str = "vi") -> bytes:
    """The frame as CSV in the convention of the module docstring (UTF-8 with BOM)."""
    mark = choose(lang, ",", ".")
    percent = [is_percent(c) for c in frame.columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_text(c) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        writer.writerow([_csv_cell(v, p, mark) for v, p in zip(row, percent, strict=True)])
    return buffer.getvalue().encode("utf-8-sig")


# --- Excel ------------------------------------------------------------------------------------


def sheet_title(name: str) -> str:
    """A name Excel accepts for a sheet: no []:*?/\\ and at most 31 characters."""
    return re.sub(r"[\[\]\:\*\?\/\\]", " ", name)[:EXCEL_SHEET_MAX].strip("' ") or "Sheet1"


def _column_format(header: object, kinds: list[Kind]) -> str | None:
    """The number format of a column from what its cells hold (None: no numbers or dates)."""
    numeric = [k for k in kinds if k in ("int", "float")]
    if numeric:
        if is_percent(header):
            return FORMATS["percent"]
        return FORMATS["float"] if "float" in numeric else FORMATS["int"]
    return FORMATS["date"] if "date" in kinds else None


def to_xlsx(frame: pd.DataFrame, sheet: str) -> bytes:
    """An .xlsx of the frame: numeric cells with Vietnamese-readable formats, string cells for
    text (never a formula), a bold frozen header."""
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet_title(sheet)
    bold = Font(bold=True)
    for index, header in enumerate(frame.columns, start=1):
        put_text(ws.cell(row=1, column=index), header)
        ws.cell(row=1, column=index).font = bold
        # By position: a frame may hold two columns of the same name.
        values = frame.iloc[:, index - 1].tolist()
        cells = [ws.cell(row=row, column=index) for row in range(2, len(values) + 2)]
        kinds = [put_value(cell, value) for cell, value in zip(cells, values, strict=True)]
        number_format = _column_format(header, kinds)
        if number_format:
            for cell, kind in zip(cells, kinds, strict=True):
                if kind in ("int", "float", "date"):
                    cell.number_format = number_format
        sample = [len(str(v)) for v in values[:WIDTH_SAMPLE] if not is_missing(v)]
        width = max([len(str(header)), *sample])
        ws.column_dimensions[get_column_letter(index)].width = min(max(10, width + 2), 60)
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def download_buttons(
    frame: pd.DataFrame,
    name: str,
    lang: str,
    key: str,
    subjects: Sequence[int] = (),
    detail: Mapping[str, object] | None = None,
) -> None:
    """CSV and Excel buttons side by side for ``frame`` (the table on screen); each download is
    recorded in the audit trail (``subjects``: the people whose rows the file holds)."""
    # data= takes a callable: the files are built only when a button is pressed, so a page with
    # many tables does not pay for Excel generation on every rerun; on_click="ignore" skips the
    # rerun a download would otherwise cause.
    left, right = st.columns(2)
    left.download_button(
        t("download_csv", lang),
        recorded_download(lambda: to_csv(frame, lang), f"{name}.csv", len(frame), subjects, detail),
        file_name=f"{name}.csv",
        on_click="ignore",
        mime="text/csv",
        key=f"{key}_csv",
        width="stretch",
    )
    right.download_button(
        t("download_xlsx", lang),
        recorded_download(
            lambda: to_xlsx(frame, name), f"{name}.xlsx", len(frame), subjects, detail
        ),
        file_name=f"{name}.xlsx",
        on_click="ignore",
        mime=XLSX_MIME,
        key=f"{key}_xlsx",
        width="stretch",
    )
