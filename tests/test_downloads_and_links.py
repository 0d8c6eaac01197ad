"""Downloads carry exactly the frame shown; links are parsed strictly and fall back safely."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pandas as pd
import pytest

from data_access.filters import Filters, Period
from ui.downloads import to_csv, to_xlsx
from ui.filters import DataRange, params_for, parse_params, quick_periods

DATA = DataRange(first=date(2022, 1, 1), as_of=date(2023, 11, 30))
CODES = {"2023": {"06895", "06913"}, "2025": {"06895", "06913"}}


def test_csv_keeps_vietnamese_text_and_opens_in_excel() -> None:
    frame = pd.DataFrame({"Xã": ["Xã Quảng Tân"], "Số đối tượng": [240]})
    data = to_csv(frame)
    assert data.startswith("\ufeff".encode())
    assert pd.read_csv(io.BytesIO(data), encoding="utf-8-sig").equals(frame)


def test_excel_cells_are_numbers_with_formats_and_a_frozen_header() -> None:
    frame = pd.DataFrame({"Xã": ["A", "B"], "Số tiền": [1_480_000_000, 5], "Tỷ lệ %": [1.0, 0.5]})
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(frame, "Nhà ở: 2023/Q3")))
    sheet = book.active
    assert sheet.title == "Nhà ở  2023 Q3"
    assert sheet.freeze_panes == "A2"
    assert sheet["B2"].value == 1_480_000_000 and sheet["B2"].number_format == "#,##0"
    assert sheet["C3"].value == 0.5 and sheet["C3"].number_format == "0.0%"


def test_default_link_is_the_whole_district_for_the_latest_year() -> None:
    filters, problems = parse_params({}, CODES, DATA)
    assert filters == Filters(Period.year(2023)) and problems == []


def test_a_good_link_round_trips() -> None:
    filters = Filters(Period.quarter(2023, 3), ("06913",), "2023")
    parsed, problems = parse_params(params_for(filters), CODES, DATA)
    assert parsed == filters and problems == []


@pytest.mark.parametrize(
    ("params", "expected_problem"),
    [
        ({"xa": "06913,ZZZ"}, "ZZZ"),
        ({"xa": "<b>x</b>"}, "<b>x</b>"),
        ({"tu": "2023-00", "den": "2023-05"}, "2023-00"),
        ({"tu": "abc", "den": "2023-05"}, "abc"),
        ({"tu": "2023-09", "den": "2023-01"}, "trước tháng bắt đầu"),
        ({"tu": "2024-01", "den": "2024-03"}, "chưa có số liệu"),
        ({"dv": "1999"}, "1999"),
    ],
)
def test_bad_parts_are_named_and_replaced_by_defaults(params, expected_problem) -> None:
    filters, problems = parse_params(params, CODES, DATA)
    assert any(expected_problem in p for p in problems), problems
    assert filters.period in (Period.year(2023), Period.months(2023, 1, 2023, 5))


def test_a_code_outside_the_scope_is_named_as_not_allowed() -> None:
    mine = {"2023": {"06913"}, "2025": {"06913"}}
    filters, problems = parse_params({"xa": "06895"}, mine, DATA, known=CODES)
    assert filters.communes == () and "không được xem" in problems[0]


def test_quick_periods_offer_no_future_quarter() -> None:
    choices = quick_periods(DATA, "vi")
    labels = [label for label, _ in choices.values()]
    assert "Quý IV/2023" in labels and "Quý I/2024" not in labels
    assert labels[0] == "Năm 2023"
