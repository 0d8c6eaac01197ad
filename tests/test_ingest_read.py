"""Reading the lists commune offices send: the table found inside what they really send.

Every file is built here with openpyxl (or zipfile) into bytes: the national motto and the
list's title merged above the header, the "(1) (2) (3)" row, hidden rows, blank rows, the total
row and the signatures, headers without diacritics, several sheets, formulas; then files that
must be refused (a PDF, a text file renamed, a zip bomb, too many rows). The normalisers are
checked on the forms offices type and on what they must refuse, with the sentence shown.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from ingest.normalise import (
    BadValue,
    is_formula_text,
    name_key,
    parse_cccd,
    parse_coefficient,
    parse_date,
    parse_money,
    parse_month,
    text,
)
from ingest.read import Column, IngestFileError, RawRow, read_sheet, sheet_names

COLUMNS = (
    Column("full_name", ("Họ và tên", "Họ tên"), required=True),
    Column("national_id", ("Số CCCD", "Số định danh cá nhân", "CCCD"), required=True),
    Column("birth_date", ("Ngày sinh",)),
    Column("village", ("Thôn", "Thôn, khu phố")),
    Column("amount", ("Số tiền",)),
)
FOUND = {"full_name": 2, "national_id": 3, "birth_date": 4, "village": 5, "amount": 6}
TITLES = [
    ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
    ["Độc lập - Tự do - Hạnh phúc"],
    [],
    ["DANH SÁCH CHI TRẢ TRỢ CẤP XÃ HỘI HẰNG THÁNG - THÁNG 7/2023"],
    [None, None, None, None, None, "Đơn vị tính: đồng"],
]
MERGED_TITLES = ("A1:F1", "A2:F2", "A4:F4")
HEADER = ["STT", "Họ và tên", "Số CCCD", "Ngày sinh", "Thôn", "Số tiền (đồng)"]
NUMBERED = ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"]
AN = [1, "Nguyễn Văn An", 22123456789, date(1950, 1, 2), "Thôn Đông", 1350000]
BINH = [2, "Trần Thị Bình", "022987654321", "16/7/1948", "Khu 3", "1.350.000"]
TOTAL = [None, "Tổng cộng", None, None, None, 2700000]
SIGNATURES = [
    [None, "Người lập biểu", None, None, "Chủ tịch UBND xã"],
    [None, "(Ký, ghi rõ họ tên)", None, None, "(Ký tên, đóng dấu)"],
    [None, "Lê Văn Cường", None, None, "Phạm Thị Dung"],
]
# Rows 1–5 titles, 6 header, 7 numbered, 8 An, 9 Bình, 10 total, 11–13 signatures.
STANDARD = [*TITLES, HEADER, NUMBERED, AN, BINH, TOTAL, *SIGNATURES]
AN_VALUES = {
    "full_name": "Nguyễn Văn An",
    "national_id": 22123456789.0,  # a number cell: calamine gives a float
    "birth_date": date(1950, 1, 2),
    "village": "Thôn Đông",
    "amount": 1350000.0,
}
BINH_VALUES = {
    "full_name": "Trần Thị Bình",
    "national_id": "022987654321",
    "birth_date": "16/7/1948",
    "village": "Khu 3",
    "amount": "1.350.000",
}
SHEET1 = "xl/worksheets/sheet1.xml"
NOT_SPREADSHEET = (
    "Tệp này không phải bảng tính Excel (.xlsx, .xls) hay .ods. Hãy mở danh sách bằng Excel, "
    "lưu lại dạng .xlsx rồi gửi tệp đó."
)


def _sheet(book: openpyxl.Workbook, name: str, rows: Sequence[Sequence[object]]) -> None:
    sheet = book.create_sheet(name)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(r, c, value)


def _xlsx(
    rows: Sequence[Sequence[object]] = STANDARD,
    *,
    hidden_rows: tuple[int, ...] = (),
    merged: tuple[str, ...] = (),
    name: str = "Danh sách",
) -> bytes:
    """A one-sheet .xlsx holding ``rows`` from A1 (None: an empty cell)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    _sheet(book, name, rows)
    sheet = book[name]
    for r in hidden_rows:
        sheet.row_dimensions[r].hidden = True
    for cells in merged:
        sheet.merge_cells(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _patched(data: bytes, part: str, edit: Callable[[bytes], bytes]) -> bytes:
    """The .xlsx with one of its parts edited, to write what openpyxl cannot."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == part:
                edited = edit(content)
                assert edited != content
                content = edited
            target.writestr(item, content)
    return out.getvalue()


def _refused(data: bytes, sheet: str | None = None, max_rows: int = 200_000) -> IngestFileError:
    with pytest.raises(IngestFileError) as caught:
        read_sheet(data, COLUMNS, sheet, max_rows=max_rows)
    return caught.value


def _bad(parse: Callable[[object], object], value: object) -> str:
    """The sentence ``parse`` refuses ``value`` with (a ``ValueError``, as callers catch)."""
    with pytest.raises(ValueError) as caught:
        parse(value)
    assert isinstance(caught.value, BadValue)
    return str(caught.value)


# --- finding the table --------------------------------------------------------------------------


def test_the_header_is_found_below_the_merged_titles_and_rows_are_read_raw() -> None:
    result = read_sheet(_xlsx(merged=MERGED_TITLES), COLUMNS)
    assert (result.sheet, result.header_row, result.columns) == ("Danh sách", 6, FOUND)
    assert result.rows == [RawRow(8, AN_VALUES), RawRow(9, BINH_VALUES)]
    assert result.skipped == [
        (7, "numbered"),
        (11, "after_total"),
        (12, "after_total"),
        (13, "after_total"),
    ]
    assert result.formulas == []


@pytest.mark.parametrize(
    "numbered",
    [
        NUMBERED,
        [1, 2, 3, 4, 5, 6],
        ["1", "2", "3", "4", "5", "6"],
        ["A", "B", "1", "2", "3", "4"],
        ["A", "B", "(1)", "(2)", "(3)", "(4) = (2) x (3)"],
    ],
)
def test_the_row_numbering_the_columns_is_skipped(numbered: list[object]) -> None:
    result = read_sheet(_xlsx([*TITLES, HEADER, numbered, AN, BINH]), COLUMNS)
    assert result.skipped == [(7, "numbered")]
    assert [row.number for row in result.rows] == [8, 9]


def test_a_first_row_that_only_looks_numbered_in_part_is_data() -> None:
    almost = [1, "2", "3", "Nguyễn Văn An", 22123456789]  # numbers, then a name: a person
    result = read_sheet(_xlsx([HEADER, almost]), COLUMNS)
    assert result.skipped == []
    assert [row.number for row in result.rows] == [2]


def test_a_first_row_of_numbers_out_of_sequence_is_data() -> None:
    columns = (Column("people", ("Số người",), required=True), Column("households", ("Số hộ",)))
    result = read_sheet(_xlsx([["STT", "Số người", "Số hộ"], [1, 120, 45]]), columns)
    assert (result.skipped, result.rows) == ([], [RawRow(2, {"people": 120.0, "households": 45.0})])


def test_a_hidden_row_is_not_taken_for_the_header() -> None:
    old_header = ["STT", "Họ và tên", "Số CCCD"]
    data = _xlsx([old_header, ["Danh sách"], HEADER, AN], hidden_rows=(1,))
    result = read_sheet(data, COLUMNS)
    assert (result.header_row, result.columns, result.skipped) == (3, FOUND, [])


def test_hidden_rows_are_skipped() -> None:
    hidden = [3, "Đỗ Văn Ẩn", "022111111111", None, "Thôn Tây", 500000]
    data = _xlsx([*TITLES, HEADER, NUMBERED, AN, hidden, BINH, TOTAL], hidden_rows=(9,))
    result = read_sheet(data, COLUMNS)
    assert result.skipped == [(7, "numbered"), (9, "hidden")]
    assert [row.number for row in result.rows] == [8, 10]
    assert all(row.values["full_name"] != "Đỗ Văn Ẩn" for row in result.rows)


@pytest.mark.parametrize(
    "label", ["Tổng cộng", "TỔNG CỘNG:", "Tổng cộng toàn xã", "Cộng", "cộng:", "Tong cong"]
)
def test_the_total_row_is_returned_and_the_signatures_after_it_ignored(label: str) -> None:
    total = [None, label, None, None, None, 2700000]
    result = read_sheet(_xlsx([*TITLES, HEADER, NUMBERED, AN, BINH, total, *SIGNATURES]), COLUMNS)
    assert result.total == RawRow(
        10,
        {
            "full_name": label,
            "national_id": None,
            "birth_date": None,
            "village": None,
            "amount": 2700000.0,
        },
    )
    assert [row.number for row in result.rows] == [8, 9]
    assert result.skipped[1:] == [(11, "after_total"), (12, "after_total"), (13, "after_total")]


def test_a_total_label_in_the_first_column_counts_and_a_list_without_one_has_none() -> None:
    total = ["Cộng", None, None, None, None, 2700000]
    assert read_sheet(_xlsx([HEADER, AN, BINH, total]), COLUMNS).total == RawRow(
        4, {**dict.fromkeys(FOUND), "amount": 2700000.0}
    )
    assert read_sheet(_xlsx([HEADER, AN, BINH]), COLUMNS).total is None


def test_a_village_whose_name_starts_with_cong_is_not_a_total() -> None:
    header = ["STT", "Thôn", "Họ và tên", "Số CCCD"]
    rows = [[1, "Cộng Hòa", "Nguyễn Văn An", "022123456789"], [2, "Cộng Thành", "Lê Thị Na"]]
    result = read_sheet(_xlsx([header, *rows]), COLUMNS)
    assert (result.total, [row.number for row in result.rows]) == (None, [2, 3])


def test_blank_rows_and_template_rows_with_only_a_number_are_skipped() -> None:
    template_row = [3]  # the STT the template had, nobody written in
    spaces = [None, "   ", None, None, "  "]
    result = read_sheet(_xlsx([HEADER, AN, [], BINH, template_row, spaces]), COLUMNS)
    assert [row.number for row in result.rows] == [2, 4]
    assert result.skipped == [(3, "blank"), (5, "blank"), (6, "blank")]


def test_headers_without_diacritics_in_other_case_and_spacing_match() -> None:
    typed = ["stt", "HO VA TEN", "so  cccd", "NGÀY SINH", "thon", "SO TIEN (VND) (*)"]
    result = read_sheet(_xlsx([[], [], typed, AN]), COLUMNS)
    assert (result.header_row, result.columns) == (3, FOUND)
    assert result.rows == [RawRow(4, AN_VALUES)]


def test_headers_in_nfd_with_line_breaks_and_marks_match() -> None:
    nfd = unicodedata.normalize("NFD", "Họ và\ntên (*)")
    result = read_sheet(_xlsx([[None, nfd, "Số định danh cá nhân:"], AN]), COLUMNS)
    assert result.columns == {"full_name": 2, "national_id": 3}
    assert result.rows == [RawRow(2, {"full_name": "Nguyễn Văn An", "national_id": 22123456789.0})]


def test_headers_with_some_marks_missing_or_placed_otherwise_match() -> None:
    typed = ["STT", "Họ va tên", "Sô CCCD", "Ngay sinh", "Thôn", "Sô tiên"]
    assert read_sheet(_xlsx([typed, AN]), COLUMNS).columns == FOUND


def test_an_exact_header_wins_over_one_that_matches_only_without_diacritics() -> None:
    columns = (Column("thon", ("Thôn",)), Column("thon_plain", ("Thon",)))
    result = read_sheet(_xlsx([["Thon", "Thôn"], ["a", "b"]]), columns)
    assert result.columns == {"thon": 2, "thon_plain": 1}


def test_a_sheet_without_the_required_headers_is_refused_naming_them() -> None:
    only_name = ["STT", "Họ và tên", "Ngày sinh"]
    error = _refused(_xlsx([*TITLES, only_name, AN]))
    assert str(error) == (
        "Không tìm thấy dòng tiêu đề có các cột: Số CCCD. Kiểm tra tệp có đúng mẫu không."
    )
    assert (
        error.en
        == "No header row with the columns: Số CCCD. Check that the file follows the template."
    )
    assert str(_refused(_xlsx([["Danh sách"], ["a", "b"]]))) == (
        "Không tìm thấy dòng tiêu đề có các cột: Họ và tên, Số CCCD. "
        "Kiểm tra tệp có đúng mẫu không."
    )
    below_30 = [*[[f"Dòng {n}"] for n in range(30)], HEADER, AN]
    assert "Họ và tên, Số CCCD" in str(_refused(_xlsx(below_30)))


# --- sheets -------------------------------------------------------------------------------------


def _two_sheets() -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    _sheet(book, "Danh mục", [["Mã", "Tên"], ["TM", "Tiền mặt"]])
    book["Danh mục"].sheet_state = "hidden"
    _sheet(book, "Tháng 7", [HEADER, AN])
    _sheet(book, "Tháng 8", [*TITLES, HEADER, NUMBERED, BINH])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_two_sheets_the_first_visible_by_default_or_the_one_picked() -> None:
    data = _two_sheets()
    assert sheet_names(data) == ["Tháng 7", "Tháng 8"]
    first = read_sheet(data, COLUMNS)
    assert (first.sheet, first.rows) == ("Tháng 7", [RawRow(2, AN_VALUES)])
    for asked in ("Tháng 8", " tháng  8 "):
        picked = read_sheet(data, COLUMNS, asked)
        assert (picked.sheet, picked.header_row, picked.rows) == (
            "Tháng 8",
            6,
            [RawRow(8, BINH_VALUES)],
        )


def test_an_unknown_sheet_is_refused_naming_the_sheets_there_are() -> None:
    error = _refused(_two_sheets(), sheet="Tháng 9")
    assert str(error) == (
        "Không có trang tính «Tháng 9» trong tệp. Các trang có trong tệp: Tháng 7, Tháng 8."
    )
    assert error.vi == str(error)
    assert (
        error.message("en")
        == "There is no sheet 'Tháng 9' in the file. Its sheets are: Tháng 7, Tháng 8."
    )


def test_rows_and_cells_without_their_reference_follow_the_previous_ones() -> None:
    """Some tools write ``<row>`` and ``<c>`` without "r"; hidden rows and formulas still land
    on the right row and column."""
    data = _xlsx([HEADER, AN, BINH, [3, "Lê Văn Cường", "=A1", None, None, 5]], hidden_rows=(3,))
    data = _patched(data, SHEET1, lambda x: re.sub(rb' r="[A-Z]*[0-9]+"', b"", x))
    result = read_sheet(data, COLUMNS)
    assert [row.number for row in result.rows] == [2, 4]
    assert result.skipped == [(3, "hidden")]
    assert result.formulas == [(4, 3)]


def _ods_text(value: str) -> str:
    return (
        f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'
    )


def _ods(rows: Sequence[Sequence[str | None]]) -> bytes:
    """A minimal .ods (what LibreOffice saves, less styles) with one sheet "Tháng 7" (None: an
    empty cell)."""
    cells = "".join(
        "<table:table-row>"
        + "".join("<table:table-cell/>" if v is None else _ods_text(v) for v in row)
        + "</table:table-row>"
        for row in rows
    )
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} '
        'office:version="1.2"><office:body><office:spreadsheet>'
        f'<table:table table:name="Tháng 7">{cells}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def test_an_ods_file_is_read_too() -> None:
    data = _ods([["DANH SÁCH"], ["Họ và tên", "Số CCCD"], ["Nguyễn Văn An", "022123456789"]])
    assert sheet_names(data) == ["Tháng 7"]
    result = read_sheet(data, COLUMNS)
    assert (result.sheet, result.header_row, result.columns) == (
        "Tháng 7",
        2,
        {"full_name": 1, "national_id": 2},
    )
    assert result.rows == [RawRow(3, {"full_name": "Nguyễn Văn An", "national_id": "022123456789"})]


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_a_table_away_from_a1_keeps_its_row_numbers_and_columns(kind: str) -> None:
    """The sheet is read a row at a time: calamine gives each row from the first column used,
    which the reader puts back at column A."""
    rows: list[list[str | None]] = [
        [],
        [None, None, None, "DANH SÁCH"],
        [],
        [None, None, "Họ và tên", None, "Số CCCD"],
        [None, None, "Nguyễn Văn An", None, "022123456789"],
        [],
        [None, None, "Trần Thị Bình", None, "022987654321"],
    ]
    data = _xlsx(rows) if kind == "xlsx" else _ods(rows)
    result = read_sheet(data, COLUMNS)
    assert (result.header_row, result.columns) == (4, {"full_name": 3, "national_id": 5})
    assert result.rows == [
        RawRow(5, {"full_name": "Nguyễn Văn An", "national_id": "022123456789"}),
        RawRow(7, {"full_name": "Trần Thị Bình", "national_id": "022987654321"}),
    ]
    assert result.skipped == [(6, "blank")]


def test_a_file_whose_sheets_are_all_hidden_has_none_to_read() -> None:
    data = _patched(_xlsx(), "xl/workbook.xml", lambda x: x.replace(b'"visible"', b'"hidden"'))
    assert sheet_names(data) == []
    assert str(_refused(data)) == "Tệp không có trang tính nào để đọc."
    assert read_sheet(data, COLUMNS, "Danh sách").header_row == 6  # asked for by its name


# --- files refused ------------------------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n",
        "STT,Họ và tên,Số CCCD\n1,Nguyễn Văn An,022123456789\n".encode(),  # a .csv renamed
        b"",
        _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}),
    ],
    ids=["pdf", "text", "empty", "word"],
)
def test_a_file_that_is_not_a_spreadsheet_is_refused(data: bytes) -> None:
    error = _refused(data)
    assert str(error) == NOT_SPREADSHEET
    assert error.en.startswith("This file is not an Excel (.xlsx, .xls) or .ods spreadsheet.")
    with pytest.raises(IngestFileError):
        sheet_names(data)


def test_a_password_protected_file_is_refused() -> None:
    # What Excel saves with a password: an OLE2 container with an "EncryptionInfo" stream.
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptionInfo".encode("utf-16-le")
    assert str(_refused(ole2)) == "Tệp có đặt mật khẩu: hãy bỏ mật khẩu rồi gửi lại."


def test_a_damaged_spreadsheet_is_refused() -> None:
    cut = _xlsx()[:2000]  # the zip's directory is at its end
    assert str(_refused(cut)).startswith("Không đọc được tệp: tệp bị hỏng")
    broken = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook"})
    assert str(_refused(broken)).startswith("Không đọc được tệp: tệp bị hỏng")


def _zeros_zip(megabytes: int) -> bytes:
    """An .xlsx-looking zip with one part of ``megabytes`` MB of zeros, written 1 MB at a time
    (the test never holds more than the compressed file and one chunk)."""
    out = io.BytesIO()
    chunk = bytes(1024 * 1024)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            for _ in range(megabytes):
                part.write(chunk)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    large = _zeros_zip(300)
    assert len(large) < 3 * 1024 * 1024
    error = _refused(large)
    assert str(error) == (
        "Tệp giải nén ra hơn 200 MB: quá lớn để đọc. Hãy chia danh sách thành nhiều tệp."
    )
    with pytest.raises(IngestFileError):
        sheet_names(large)
    dense = _zeros_zip(20)  # small enough, but 20 MB from about 70 kB
    assert str(_refused(dense)) == (
        "Tệp nén bất thường (có phần giải nén ra gấp hơn 100 lần): không đọc tệp này."
    )


def test_more_rows_than_allowed_are_refused() -> None:
    data = _xlsx([HEADER, AN, BINH, AN, BINH])
    assert len(read_sheet(data, COLUMNS, max_rows=4).rows) == 4
    error = _refused(data, max_rows=3)
    assert str(error) == (
        "Tệp có hơn 3 dòng: hãy chia danh sách thành nhiều tệp, mỗi tệp không quá 3 dòng."
    )
    many = _refused(_xlsx([HEADER, *[AN] * 1001]), max_rows=1000)
    assert str(many).startswith("Tệp có hơn 1.000 dòng: ")  # written the Vietnamese way
    assert many.en.startswith("The file has more than 1,000 rows: ")


def test_a_stray_cell_far_below_or_right_of_the_list_is_refused_before_it_is_read() -> None:
    stray_below = [HEADER, AN, *[[] for _ in range(10_100)], ["ghi chú"]]
    assert str(_refused(_xlsx(stray_below), max_rows=5)).startswith("Tệp có hơn 5 dòng")
    stray_right = [HEADER, [*AN, *[None] * 293, "x"]]
    assert get_column_letter(300) == "KN"
    assert str(_refused(_xlsx(stray_right))) == (
        "Trang «Danh sách» có dữ liệu đến tận cột KN: quá rộng để đọc. Hãy xoá các ô thừa "
        "bên phải danh sách rồi gửi lại."
    )


# --- formulas -----------------------------------------------------------------------------------


def test_formula_cells_are_listed_and_never_evaluated() -> None:
    binh_formula = [*BINH[:5], "=1+1"]
    total = [None, "Tổng cộng", None, None, None, "=SUM(F8:F9)"]
    signature = [None, "Ngày", "=TODAY()"]
    data = _xlsx([*TITLES, HEADER, NUMBERED, AN, binh_formula, total, signature])
    result = read_sheet(data, COLUMNS)
    # The signature block's formula is not in the table: not listed.
    assert result.formulas == [(9, 6), (10, 6)]
    assert result.rows[1].values["amount"] is None  # openpyxl saved no value; 2 is not computed
    assert result.total is not None and result.total.values["amount"] is None
    # What Excel would save as the formula's value, here deliberately not 1+1.
    saved = _patched(data, SHEET1, lambda x: x.replace(b"<f>1+1</f><v></v>", b"<f>1+1</f><v>7</v>"))
    cached = read_sheet(saved, COLUMNS)
    assert cached.rows[1].values["amount"] == 7.0  # what the office's Excel saved, not 1+1
    assert cached.formulas == [(9, 6), (10, 6)]


def test_text_that_starts_like_a_formula_is_read_as_text() -> None:
    typed = [3, '=HYPERLINK("http://x","x")', "022123456789"]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Danh sách"
    for c, value in enumerate(HEADER, start=1):
        sheet.cell(1, c, value)
    for c, value in enumerate(typed, start=1):
        cell = sheet.cell(2, c, value)
        cell.data_type = "s"  # typed as text (with an apostrophe in Excel)
    out = io.BytesIO()
    book.save(out)
    result = read_sheet(out.getvalue(), COLUMNS)
    assert result.formulas == []
    name = result.rows[0].values["full_name"]
    assert name == '=HYPERLINK("http://x","x")'
    assert is_formula_text(name)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", True),
        ("+84912345678", True),
        ("-5", True),
        ("@SUM(A1)", True),
        ("\t=1", True),
        ("\r=1", True),
        ("＝1+1", True),
        ("Nguyễn Văn An", False),
        (" =1+1", False),
        (-5, False),
        (None, False),
    ],
)
def test_is_formula_text(value: object, expected: bool) -> None:
    assert is_formula_text(value) is expected


# --- values as offices type them ----------------------------------------------------------------


def test_a_cccd_typed_as_a_number_gets_its_leading_zero_back() -> None:
    result = read_sheet(_xlsx([HEADER, AN, BINH]), COLUMNS)
    assert [parse_cccd(row.values["national_id"]) for row in result.rows] == [
        "022123456789",
        "022987654321",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (22123456789, "022123456789"),
        (22123456789.0, "022123456789"),
        (1123456789, "001123456789"),  # Hà Nội: province 001 loses two zeros
        ("22123456789", "022123456789"),
        ("22123456789.0", "022123456789"),
        ("022123456789", "022123456789"),
        ("022 123 456 789", "022123456789"),
        ("022.123.456.789", "022123456789"),
        (" 022123456789\u00a0", "022123456789"),
    ],
)
def test_parse_cccd(value: object, expected: str) -> None:
    assert parse_cccd(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("123456789", "«123456789» không phải số CCCD 12 chữ số."),  # the old CMND
        (123456789, "«123456789» không phải số CCCD 12 chữ số."),
        ("0221234567890", "«0221234567890» không phải số CCCD 12 chữ số."),
        ("0221234567", "«0221234567» không phải số CCCD 12 chữ số."),
        ("022-ABC-456", "«022-ABC-456» không phải số CCCD 12 chữ số."),
        ("2.21235E+10", "«2.21235E+10» không phải số CCCD 12 chữ số."),
        (-22123456789, "«-22123456789» không phải số CCCD 12 chữ số."),
        (True, "«True» không phải số CCCD 12 chữ số."),
        (None, "Ô này để trống."),
    ],
)
def test_parse_cccd_refuses(value: object, message: str) -> None:
    assert _bad(parse_cccd, value) == message


def test_names_in_nfd_and_with_double_spaces_become_one_form() -> None:
    nfd = unicodedata.normalize("NFD", "  Nguyễn  Văn\u00a0 An\u200b ")
    result = read_sheet(_xlsx([HEADER, [1, nfd, "022123456789"]]), COLUMNS)
    raw = result.rows[0].values["full_name"]
    assert raw == nfd  # read as typed
    assert text(raw) == "Nguyễn Văn An"
    assert text(raw) == unicodedata.normalize("NFC", "Nguyễn Văn An")
    assert (text(None), text("   "), text(12.0), text(1.5), text(7)) == (
        None,
        None,
        "12",
        "1.5",
        "7",
    )


def test_name_keys_match_however_a_commune_or_village_is_written() -> None:
    written = [
        "Xã Quảng Tân",
        "QUẢNG TÂN",
        "quang tan",
        "xa Quang  Tan",
        unicodedata.normalize("NFD", "xã Quảng Tân"),
        "Quảng Tân ",
    ]
    assert {name_key(w) for w in written} == {"quang tan"}
    assert name_key("Thị trấn Đầm Hà") == name_key("TT. Đầm Hà") == "dam ha"
    assert name_key("Thôn 01") == name_key("thon 1") == name_key("Khu 1") == "1"
    assert name_key("Khu phố Hòa Bình") == name_key("khu pho Hoà Bình") == "hoa binh"
    assert name_key("Xà Lò") == "xa lo"  # a name, not the word "xã"
    assert name_key("Xã") == "xa"


def test_dates_as_excel_dates_and_serial_numbers() -> None:
    row = [1, "Nguyễn Văn An", "022123456789", datetime(2023, 7, 16, 9, 30)]
    born = read_sheet(_xlsx([HEADER, AN, row]), COLUMNS).rows
    assert [parse_date(r.values["birth_date"]) for r in born] == [
        date(1950, 1, 2),
        date(2023, 7, 16),
    ]
    assert parse_date(45123) == date(2023, 7, 16)
    assert parse_date(45123.75) == date(2023, 7, 16)
    assert parse_date(61) == date(1900, 3, 1)
    assert parse_date(59) == date(1900, 2, 28)


@pytest.mark.parametrize(
    "written",
    [
        "16/7/2023",
        "16/07/2023",
        "16-07-2023",
        "16.07.2023",
        "2023-07-16",
        "2023-07-16 00:00:00",
        "  16/7/2023 ",
        "Ngày 16 tháng 7 năm 2023",
    ],
)
def test_dates_as_text_in_each_form(written: str) -> None:
    assert parse_date(written) == date(2023, 7, 16)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("31/2/2023", "«31/2/2023» không phải là ngày có thật."),
        ("29/02/2023", "«29/02/2023» không phải là ngày có thật."),
        ("7/16/2023", "«7/16/2023» không phải là ngày có thật."),  # day first: no month 16
        ("16/7/0023", "«16/7/0023» không phải là ngày có thật."),
        (60, "«60» không phải là ngày có thật."),  # Excel's 29/2/1900
        (-1, "«-1» không phải là ngày có thật."),
        (
            "16/7/23",
            "«16/7/23» không phải là ngày (ghi ngày/tháng/năm, ví dụ 16/7/2023).",
        ),
        ("16/7-2023", "«16/7-2023» không phải là ngày (ghi ngày/tháng/năm, ví dụ 16/7/2023)."),
        ("hôm qua", "«hôm qua» không phải là ngày (ghi ngày/tháng/năm, ví dụ 16/7/2023)."),
        ("", "Ô này để trống."),
    ],
)
def test_parse_date_refuses(value: object, message: str) -> None:
    assert _bad(parse_date, value) == message


def test_a_refusal_says_it_in_english_too() -> None:
    with pytest.raises(BadValue) as caught:
        parse_date("31/2/2023")
    assert caught.value.en == "'31/2/2023' is not a real date."
    assert caught.value.message("vi") == "«31/2/2023» không phải là ngày có thật."


@pytest.mark.parametrize(
    "written",
    [
        "7/2023",
        "07/2023",
        "07-2023",
        "Tháng 7/2023",
        "tháng 07 năm 2023",
        "T7/2023",
        "t.7/2023",
        "2023-07",
        "16/7/2023",
        date(2023, 7, 16),
        datetime(2023, 7, 31, 23, 59),
    ],
)
def test_parse_month(written: object) -> None:
    assert parse_month(written) == date(2023, 7, 1)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("13/2023", "«13/2023» không phải là tháng có thật."),
        ("0/2023", "«0/2023» không phải là tháng có thật."),
        ("Tháng 7", "«Tháng 7» không phải là tháng (ghi tháng/năm, ví dụ 7/2023)."),
        ("quý 3/2023", "«quý 3/2023» không phải là tháng (ghi tháng/năm, ví dụ 7/2023)."),
        (None, "Ô này để trống."),
    ],
)
def test_parse_month_refuses(value: object, message: str) -> None:
    assert _bad(parse_month, value) == message


def test_money_as_a_number_and_as_text_from_the_sheet() -> None:
    rows = read_sheet(_xlsx([HEADER, AN, BINH]), COLUMNS).rows
    assert [parse_money(row.values["amount"]) for row in rows] == [1350000, 1350000]


@pytest.mark.parametrize(
    "value",
    [
        1350000,
        1350000.0,
        1349999.9999999998,  # a formula's result, saved by Excel
        "1350000",
        "1.350.000",
        "1 350 000",
        "1\u00a0350\u00a0000",
        "1.350.000 đ",
        "1.350.000đồng",
        "1350000 VND",
        "1.350.000 VNĐ",
        "1.350.000,00",
        "1350000,00",
        "1,350,000",
        "1350000.00",
    ],
)
def test_parse_money(value: object) -> None:
    assert parse_money(value) == 1350000


def test_parse_money_keeps_zero_and_reads_a_short_amount_the_vietnamese_way() -> None:
    assert (parse_money(0), parse_money("0"), parse_money("1.350")) == (0, 0, 1350)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1.350,5", "«1.350,5» không phải số tiền đồng chẵn (ví dụ 1.350.000)."),
        ("1,350", "«1,350» không phải số tiền đồng chẵn (ví dụ 1.350.000)."),
        ("1.35.000", "«1.35.000» không phải số tiền đồng chẵn (ví dụ 1.350.000)."),
        (1350000.5, "«1350000,5» không phải số tiền đồng chẵn (ví dụ 1.350.000)."),
        ("một triệu", "«một triệu» không phải số tiền đồng chẵn (ví dụ 1.350.000)."),
        ("-50.000", "«-50.000» là số âm: số tiền không được âm."),
        ("(50.000)", "«(50.000)» là số âm: số tiền không được âm."),
        (-50000, "«-50000» là số âm: số tiền không được âm."),
        (-0.5, "«-0,5» là số âm: số tiền không được âm."),
        (True, "«True» không phải số tiền đồng chẵn (ví dụ 1.350.000)."),
        ("  ", "Ô này để trống."),
    ],
)
def test_parse_money_refuses(value: object, message: str) -> None:
    assert _bad(parse_money, value) == message


@pytest.mark.parametrize(
    ("value", "tenths"),
    [("1,5", 15), ("1.5", 15), (1.5, 15), (2, 20), ("2", 20), (0.1, 1), (1.1, 11), ("10", 100)],
)
def test_parse_coefficient(value: object, tenths: int) -> None:
    assert parse_coefficient(value) == tenths


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1,55", "«1,55» không phải hệ số hợp lệ: hệ số chỉ có một chữ số thập phân (ví dụ 1,5)."),
        (1.25, "«1,25» không phải hệ số hợp lệ: hệ số chỉ có một chữ số thập phân (ví dụ 1,5)."),
        (0, "«0» nằm ngoài khoảng của hệ số: phải lớn hơn 0 và không quá 10."),
        ("-1,5", "«-1,5» nằm ngoài khoảng của hệ số: phải lớn hơn 0 và không quá 10."),
        (10.5, "«10,5» nằm ngoài khoảng của hệ số: phải lớn hơn 0 và không quá 10."),
        ("một rưỡi", "«một rưỡi» không phải là hệ số (ví dụ 1,5)."),
        ("1,5,5", "«1,5,5» không phải là hệ số (ví dụ 1,5)."),
        (None, "Ô này để trống."),
    ],
)
def test_parse_coefficient_refuses(value: object, message: str) -> None:
    assert _bad(parse_coefficient, value) == message


# --- a long list: rows counted, then read again --------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(_xlsx(STANDARD, merged=MERGED_TITLES), id="standard"),
        pytest.param(
            _xlsx([*TITLES, HEADER, NUMBERED, AN, [], BINH, AN, TOTAL], hidden_rows=(11,)),
            id="hidden-and-blank",
        ),
        pytest.param(
            _xlsx([*TITLES, HEADER, NUMBERED, AN, [*BINH[:5], "=1+1"], TOTAL, ["=TODAY()"]]),
            id="formulas",
        ),
        pytest.param(_xlsx([HEADER, AN, BINH]), id="no-total"),
        pytest.param(
            _xlsx([[], [None, None, *HEADER], [None, None, *AN], [None, None, *BINH]]),
            id="away-from-a1",
        ),
        pytest.param(
            _xlsx([HEADER, [1, "An", 1.5, datetime(2023, 7, 16, 8, 30), True, "=A1"], BINH]),
            id="odd-values",
        ),
        pytest.param(
            _ods([["Họ và tên", "Số CCCD"], ["An", "022123456789"], [], ["Bình", "0221"]]),
            id="ods",
        ),
    ],
)
def test_rows_not_kept_are_counted_and_read_again_the_same(data: bytes) -> None:
    """``keep_rows=False`` (a payment list, checked a chunk at a time) keeps the table's shape
    and the number of its rows; ``each_row()`` then gives exactly the rows a full read keeps,
    value for value and type for type."""
    kept = read_sheet(data, COLUMNS)
    counted = read_sheet(data, COLUMNS, keep_rows=False)
    assert counted.rows == [] and counted.count == len(kept.rows) > 0
    assert list(counted.each_row()) == kept.rows == list(kept.each_row())
    types = [[type(v) for v in row.values.values()] for row in kept.rows]
    assert [[type(v) for v in row.values.values()] for row in counted.each_row()] == types
    shape = ("sheet", "header_row", "columns", "total", "skipped", "formulas")
    assert [getattr(counted, a) for a in shape] == [getattr(kept, a) for a in shape]


def test_rows_not_kept_still_count_against_the_limit() -> None:
    with pytest.raises(IngestFileError):
        read_sheet(_xlsx([HEADER, AN, BINH, AN]), COLUMNS, max_rows=2, keep_rows=False)


def test_a_file_given_by_its_path_is_refused_as_its_bytes_are(tmp_path: Path) -> None:
    """The command hands the reader a path: every refusal reads as it does for the same bytes
    (an .xls-looking file is read whole once; a zip from the disk)."""
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    cases = {
        "pdf": b"%PDF-1.7\n%%EOF\n",
        "empty": b"",
        "password": ole2 + "EncryptionInfo".encode("utf-16-le"),
        "xls-damaged": ole2,
        "cut": _xlsx()[:2000],
        "word": _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:d/>"}),
        "dense": _zeros_zip(20),
    }
    for name, data in cases.items():
        path = tmp_path / f"{name}.xlsx"
        path.write_bytes(data)
        with pytest.raises(IngestFileError) as by_path:
            read_sheet(path, COLUMNS)
        assert (str(by_path.value), by_path.value.en) == (
            str(_refused(data)),
            _refused(data).en,
        ), name
