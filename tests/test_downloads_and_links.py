"""Downloads carry exactly the frame shown; links are parsed strictly and fall back safely."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from data_access.filters import Filters, Period, Scope
from data_access.indicators import commune_scorecard
from ui.downloads import to_csv, to_xlsx
from ui.filters import DataRange, describe, params_for, parse_params, quick_periods, scope_label
from ui.scorecard import CommuneTable, commune_table

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


# --- the overview's commune table: the file holds the table on screen -------------------------


@pytest.fixture(scope="module")
def overview_table(sqlite_engine: Engine) -> CommuneTable:
    # 2023 up to the article's cut-off (30/11/2023), the period of the published figures.
    article = Filters(Period.months(2023, 1, 2023, 11))
    with sqlite_engine.connect() as conn:
        card = commune_scorecard(conn, article, Scope.everything())
    return commune_table(card, "vi")


def test_the_overview_file_has_the_screens_headers_and_rows(overview_table: CommuneTable) -> None:
    numbers, shown = overview_table.numbers, overview_table.shown
    assert list(numbers.columns) == list(shown.columns)  # the screen's headers, in its order
    assert numbers.iloc[:, 0].tolist() == shown.iloc[:, 0].tolist()  # its rows
    headers = list(numbers.columns)
    assert len(set(headers)) == len(headers) and headers[0] == "Xã, thị trấn"
    assert headers[1] == "F1 · Người cao tuổi có thẻ BHYT được hỗ trợ %"
    assert headers[2] == "F2 · Lượt người cao tuổi được khám, tư vấn sức khỏe (lượt)"
    assert "F9 · Kinh phí hỗ trợ nhà ở (đồng)" in headers
    for internal in ("ma_xa", "unit_code", "numerator", "meets_target", "code", "Chỉ tiêu"):
        assert internal not in headers


def test_the_overview_csv_and_excel_hold_numbers(overview_table: CommuneTable) -> None:
    numbers, shown = overview_table.numbers, overview_table.shown
    row = numbers.index[numbers["Xã, thị trấn"] == "Xã Quảng Tân"][0]
    beneficiaries = "F14 · Đối tượng hưởng trợ cấp xã hội hằng tháng (đối tượng)"
    # On the list in 11/2023 (the 2023 Xã Quảng Tân): 240 beneficiaries paid for that month
    # (241 in 12/2023, so the whole year 2023 now reads 241); 450 visits in 1–11/2023.
    assert shown.loc[row, beneficiaries] == "240" and numbers.loc[row, beneficiaries] == 240
    csv = pd.read_csv(io.BytesIO(to_csv(numbers, "vi")), encoding="utf-8-sig", dtype=str)
    assert list(csv.columns) == list(numbers.columns)
    assert csv.loc[row, beneficiaries] == "240"
    visits = "F2 · Lượt người cao tuổi được khám, tư vấn sức khỏe (lượt)"
    assert csv.loc[row, visits] == "450"
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(numbers, "tong-quan-xa"))).active
    assert [c.value for c in sheet[1]] == list(numbers.columns)
    cells = {c.value: i for i, c in enumerate(sheet[1])}
    quang_tan = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "Xã Quảng Tân")
    assert quang_tan[cells[beneficiaries]].value == 240
    rate = quang_tan[cells["F1 · Người cao tuổi có thẻ BHYT được hỗ trợ %"]]
    assert isinstance(rate.value, int | float) and 0.99 < rate.value <= 1  # 100% is 1
    assert rate.number_format == "0.0%"


# --- scope labels: every label of scope names what is shown -----------------------------------

NAMES = {"06895": "Thị trấn Đầm Hà", "06913": "Xã Quảng Tân"}


@pytest.mark.parametrize(
    ("communes", "scope", "count", "expected"),
    [
        ((), Scope.everything(), False, "Toàn huyện"),
        ((), Scope.everything(), True, "Toàn huyện (2 xã, thị trấn)"),
        (("06913",), Scope.everything(), False, "Xã Quảng Tân"),
        ((), Scope.commune("06913"), True, "Xã Quảng Tân"),
        (("06895", "06913"), Scope.everything(), False, "Thị trấn Đầm Hà, Xã Quảng Tân"),
    ],
)
def test_the_scope_label_names_what_is_shown(app_env, communes, scope, count, expected) -> None:
    # app_env: the whole area's name is read from the database (the session's demo, not data/).
    filters = Filters(Period.year(2023), communes)
    names = NAMES if scope.communes is None else {"06913": NAMES["06913"]}
    assert scope_label(filters, names, scope, "vi", count=count) == expected


def test_a_commune_head_in_the_new_units_is_told_it_is_part_of_a_commune() -> None:
    filters = Filters(Period.year(2025), (), "2025")
    label = scope_label(filters, {"25001": "Xã Quảng Tân"}, Scope.commune("06913"), "vi")
    assert label == "Xã Quảng Tân (phần thuộc phạm vi tài khoản)"


def test_the_in_effect_line_names_the_commune_of_a_commune_head() -> None:
    line = describe(
        Filters(Period.year(2023)), {"06913": "Xã Quảng Tân"}, DATA, "vi", Scope.commune("06913")
    )
    assert line == "Đang xem: Xã Quảng Tân · Năm 2023 · số liệu đến 30/11/2023"
