"""The Excel templates (issue 15 §1): what ``python -m ingest template`` writes is read back.

The blank template is a list with its header and no rows; filled in as a clerk would (cells
typed into it, here with openpyxl), it reads back exactly the rows typed, its "Tổng cộng" =SUM
tolerated whether or not a saved value comes with it. Its "Hướng dẫn" sheet documents exactly
the columns read, with examples the importer accepts; the cells to fill carry their formats.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from ingest import beneficiaries, classes, health_checks, housing, job_events, payments
from ingest.__main__ import main
from ingest.problems import Problem
from ingest.read import read_sheet
from ingest.template import FIELDS, FILL_ROWS, KINDS, UnknownKindError, template

HEADER_ROW, FIRST_ROW = 6, 8  # the numbered row "(1) (2) …" is row 7
TOTAL_ROW = FIRST_ROW + FILL_ROWS
COLUMNS = {"full_name": 2, "national_id": 3, "village": 4, "group": 5}
COLUMNS |= {"coefficient": 6, "amount": 7, "method": 8, "paid_on": 9}
AMOUNT = "G"
ROWS: list[
    list[object]
] = [  # as a clerk types them: a CCCD as text (the column is text), numbers, a date
    ["Nguyễn Văn An", "022150001234", "Thôn 3", "NCT_80", 1.5, 750000, "Tiền mặt", None],
    ["Trần Thị Bình", "022148004321", "Khu 2", "KT_NANG", 2, 1000000, "Chuyển khoản", None],
    ["Lê Văn Cường", "002151000007", None, None, None, 500000, None, date(2026, 11, 5)],
]
READ_BACK: list[list[object]] = [  # what read_sheet gives for them: calamine's numbers are floats
    ["Nguyễn Văn An", "022150001234", "Thôn 3", "NCT_80", 1.5, 750000.0, "Tiền mặt", None],
    ["Trần Thị Bình", "022148004321", "Khu 2", "KT_NANG", 2.0, 1000000.0, "Chuyển khoản", None],
    ["Lê Văn Cường", "002151000007", None, None, None, 500000.0, None, date(2026, 11, 5)],
]
SUM = 2_250_000
KNOWN = "classes, housing, job_events, health_checks, beneficiaries, payments"
UNKNOWN_KIND = f"Không có mẫu danh sách «lists». Các mẫu có: {KNOWN}."
UNKNOWN_KIND_EN = f"There is no list template 'lists'. The templates are: {KNOWN}."


def _filled(rows: list[list[object]], data: bytes | None = None) -> bytes:
    """The template with ``rows`` typed into its numbered rows from STT 1, saved."""
    book = openpyxl.load_workbook(io.BytesIO(data or template()))
    sheet = book["Danh sách"]
    for r, row in enumerate(rows, start=FIRST_ROW):
        for c, value in enumerate(row, start=2):
            if value is not None:
                sheet.cell(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _saved_total(data: bytes, total: int) -> bytes:
    """The .xlsx with ``total`` as the =SUM's saved value, as Excel or LibreOffice saves it
    (openpyxl saves none)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    formula = f"<f>SUM({AMOUNT}{FIRST_ROW}:{AMOUNT}{TOTAL_ROW - 1})</f>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                edited = content.replace(
                    f"{formula}<v></v>".encode(), f"{formula}<v>{total}</v>".encode()
                )
                assert edited != content
                content = edited
            target.writestr(item, content)
    return out.getvalue()


def _total_problems(data: bytes) -> list[Problem]:
    """What the loader says of the list's formulas and total row (no database needed)."""
    read = read_sheet(data, payments.COLUMNS)
    problems = payments._formula_cells(read)
    parsed = [payments._parse(row, problems) for row in read.rows]
    payments._check_total(read, parsed, problems)
    return problems


def test_the_blank_template_is_a_list_with_its_header_and_no_rows() -> None:
    read = read_sheet(template(), payments.COLUMNS)
    assert (read.sheet, read.header_row, read.columns) == ("Danh sách", HEADER_ROW, COLUMNS)
    assert read.rows == []
    assert read.total is not None and read.total.number == TOTAL_ROW
    assert read.total.values["amount"] is None  # openpyxl saves no value for the =SUM
    assert read.skipped[: FILL_ROWS + 1] == [
        (7, "numbered"),
        *((row, "blank") for row in range(FIRST_ROW, TOTAL_ROW)),
    ]
    assert {reason for row, reason in read.skipped if row > TOTAL_ROW} == {"after_total"}
    assert read.formulas == [(TOTAL_ROW, COLUMNS["amount"])]
    assert _total_problems(template()) == []


def test_a_filled_in_template_reads_back_exactly_the_rows_typed() -> None:
    """Three of the five numbered rows filled: those rows, in order; the two left with their
    STT only are blank rows, skipped."""
    read = read_sheet(_filled(ROWS), payments.COLUMNS)
    assert [row.number for row in read.rows] == [FIRST_ROW, FIRST_ROW + 1, FIRST_ROW + 2]
    assert [list(row.values.values()) for row in read.rows] == READ_BACK
    assert [list(row.values) for row in read.rows] == [list(COLUMNS)] * 3
    assert (FIRST_ROW + 3, "blank") in read.skipped and (FIRST_ROW + 4, "blank") in read.skipped
    assert read.total is not None and read.total.number == TOTAL_ROW
    assert read.formulas == [(TOTAL_ROW, COLUMNS["amount"])]


def test_the_total_row_formula_passes_with_or_without_a_saved_value() -> None:
    """The =SUM in "Tổng cộng" is never refused as a formula. Saved by openpyxl it has no
    value and is not checked; saved by Excel its value is checked against the rows."""
    filled = _filled(ROWS)
    assert _total_problems(filled) == []
    as_excel_saves_it = _saved_total(filled, SUM)
    read = read_sheet(as_excel_saves_it, payments.COLUMNS)
    assert read.total is not None and read.total.values["amount"] == SUM
    assert _total_problems(as_excel_saves_it) == []
    (wrong,) = _total_problems(_saved_total(filled, SUM + 1))
    assert (wrong.row, wrong.column, wrong.severity) == (TOTAL_ROW, "Số tiền", "error")


def test_the_documentation_covers_exactly_the_columns_read() -> None:
    modules = {
        m.KIND: m for m in (payments, beneficiaries, housing, classes, health_checks, job_events)
    }
    assert set(FIELDS) == set(KINDS) == set(modules)
    assert KINDS[payments.KIND].columns == payments.COLUMNS
    assert KINDS[beneficiaries.KIND].columns == beneficiaries.COLUMNS
    for kind, spec in KINDS.items():
        docs = FIELDS[kind]
        assert [(d.header, d.required) for d in docs] == [
            (c.headers[0], c.required) for c in spec.columns
        ]
        assert all(d.meaning and d.format and d.example for d in docs)
    # Each example is a value the importer accepts.
    for column, doc in zip(payments.COLUMNS, FIELDS[payments.KIND], strict=True):
        payments._value(column.key, doc.example)
    for kind, module in modules.items():
        for column, doc in zip(module.COLUMNS, FIELDS[kind], strict=True):
            module._value(column.key, doc.example)  # type: ignore[attr-defined]
        assert KINDS[kind].columns == module.COLUMNS
        blank = read_sheet(template(kind), module.COLUMNS)  # type: ignore[attr-defined]
        assert blank.rows == [] and set(blank.columns) == {c.key for c in module.COLUMNS}


def test_the_guide_sheet_shows_the_documentation() -> None:
    book = openpyxl.load_workbook(io.BytesIO(template()))
    assert book.sheetnames == ["Danh sách", "Hướng dẫn"]
    rows = [[c.value for c in row] for row in book["Hướng dẫn"].iter_rows()]
    titles = ["Cột", "Tên cột", "Ý nghĩa", "Định dạng", "Bắt buộc", "Ví dụ"]
    start = rows.index(titles) + 1
    assert rows[start:] == [
        [
            openpyxl.utils.get_column_letter(COLUMNS[column.key]),
            d.header,
            d.meaning,
            d.format,
            "Có" if d.required else "Không",
            d.example,
        ]
        for column, d in zip(payments.COLUMNS, FIELDS[payments.KIND], strict=True)
    ]


def test_the_cells_to_fill_carry_their_formats() -> None:
    """The CCCD column is text (a typed CCCD keeps its leading zero), money "#,##0", dates
    "dd/mm/yyyy"; the header is bold and wrapped."""
    sheet = openpyxl.load_workbook(io.BytesIO(template()))["Danh sách"]
    for row in range(FIRST_ROW, TOTAL_ROW):
        assert sheet.cell(row, COLUMNS["national_id"]).number_format == "@"
        assert sheet.cell(row, COLUMNS["amount"]).number_format == "#,##0"
        assert sheet.cell(row, COLUMNS["paid_on"]).number_format == "dd/mm/yyyy"
        assert sheet.cell(row, 1).value == row - FIRST_ROW + 1  # STT
    assert sheet.cell(TOTAL_ROW, COLUMNS["amount"]).number_format == "#,##0"
    header = [sheet.cell(HEADER_ROW, c) for c in range(1, 11)]
    assert [c.value for c in header] == [
        "STT",
        *(c.headers[0] for c in payments.COLUMNS),
        "Ký nhận",
    ]
    assert all(c.font.bold and c.alignment.wrap_text for c in header)
    assert [sheet.cell(HEADER_ROW + 1, c).value for c in range(1, 11)] == [
        f"({n})" for n in range(1, 11)
    ]
    assert sheet.column_dimensions["B"].width >= 25  # names are long


def test_the_unit_and_the_month_fill_the_titles() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(template()))["Danh sách"]
    texts = {c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    assert {"UBND XÃ/PHƯỜNG …………", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"} <= texts
    assert {"Độc lập - Tự do - Hạnh phúc", "Đơn vị tính: đồng", "Tổng cộng"} <= texts
    assert "DANH SÁCH CHI TRẢ TRỢ CẤP XÃ HỘI HẰNG THÁNG – Tháng …… năm ……" in texts
    assert {"Người lập biểu", "Kế toán", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"} <= texts
    assert "…, ngày … tháng … năm …" in texts

    for name in ("Xã Quảng Tân", "Quảng Tân"):
        named = template(unit_name=name, month=date(2026, 7, 1))
        sheet = openpyxl.load_workbook(io.BytesIO(named))["Danh sách"]
        texts = {c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
        assert {"UBND XÃ QUẢNG TÂN", "Quảng Tân, ngày … tháng … năm …"} <= texts
        assert "DANH SÁCH CHI TRẢ TRỢ CẤP XÃ HỘI HẰNG THÁNG – Tháng 07 năm 2026" in texts
        assert read_sheet(named, payments.COLUMNS).rows == []


def test_a_unit_name_that_looks_like_a_formula_stays_text() -> None:
    data = template(unit_name='=HYPERLINK("http://x.example","bấm")')
    read = read_sheet(data, payments.COLUMNS)
    assert read.formulas == [(TOTAL_ROW, COLUMNS["amount"])]
    cell = openpyxl.load_workbook(io.BytesIO(data))["Danh sách"]["A1"]
    assert cell.data_type == "s"


def test_the_command_writes_the_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "mau.xlsx"
    argv = ["template", "payments", "-o", str(target), "--commune", "Quảng Tân"]
    assert main([*argv, "--month", "2026-11"]) == 0
    assert str(target) in capsys.readouterr().out
    assert read_sheet(target.read_bytes(), payments.COLUMNS).rows == []
    sheet = openpyxl.load_workbook(target)["Danh sách"]
    assert sheet["A1"].value == "UBND XÃ QUẢNG TÂN"
    assert sheet["A4"].value.endswith("Tháng 11 năm 2026")

    monkeypatch.chdir(tmp_path)
    assert main(["template", "payments"]) == 0
    assert main(["template", "payments", "--month", "2026-11"]) == 0
    assert (tmp_path / "mau-chi-tra.xlsx").is_file()
    assert (tmp_path / "mau-chi-tra-2026-11.xlsx").is_file()


def test_an_unknown_kind_is_refused_naming_the_known_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ValueError) as caught:
        template("lists")
    assert isinstance(caught.value, UnknownKindError)
    assert (str(caught.value), caught.value.en) == (UNKNOWN_KIND, UNKNOWN_KIND_EN)

    target = tmp_path / "mau.xlsx"
    with pytest.raises(SystemExit) as exited:
        main(["template", "lists", "-o", str(target)])
    assert exited.value.code == 2
    assert UNKNOWN_KIND in capsys.readouterr().err
    assert not target.exists()
