""".xlsx sheets streamed from their XML give exactly the values python-calamine gives.

``ingest.read`` reads an .xlsx a row at a time from its XML (calamine builds the whole sheet
first, which made a long list's memory grow with it). Each file here is written by XlsxWriter as
Excel writes them (shared strings, rich text, number formats, the 1904 date system, formulas
with their saved values, booleans, errors, hidden and missing rows, tables away from A1) or by
openpyxl (inline strings), or its XML edited by hand (a namespace prefix, phonetic runs, cells
and rows without references, "_x000D_" escapes); every row the stream gives is compared with
calamine's for the same sheet. Then the reader's memory: a list ten times longer costs no more
than its shared strings.
"""

from __future__ import annotations

import io
import random
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from ingest import read as read_module
from ingest.payments import COLUMNS
from ingest.read import (
    IngestFileError,
    _format_kind,
    _grid_rows,
    _Strings,
    _XlsxBook,
    read_sheet,
    sheet_names,
)

FORMATS = (
    "dd/mm/yyyy",
    "d/m/yy h:mm",
    "hh:mm:ss",
    "[h]:mm:ss",
    "mmm-yy",
    "#,##0",
    "#,##0.00",
    "0.0",
    "@",
    '"Ngày "dd',
    "[Red]0.00",
    "0%",
    "General",
    '#,##0" đồng"',
    "yyyy-mm-dd;@",
    "[$-42A]dd/mm/yyyy",
    "h:mm AM/PM",
)
NUMBERS = (0, 1, 0.5, 45123, 45123.75, -3, 123456.25, 22123456789, 1350000, 59, 60, 61, 0.999999)
TEXTS = (
    "Nguyễn Văn An",
    "  Trần Thị  Bình ",
    "Le\u0301 Va\u0306n",  # NFD
    '=HYPERLINK("x")',
    "+84912345678",
    "022123456789",
    "Tổng cộng",
    "Thôn Đông\nKhu 3",
    "",
    "Tab\there",
    "ʻOkina ♥ 𝔘nicode",
)


def _calamine_rows(data: bytes, sheet: str) -> list[list[object]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return [_trimmed(row) for row in _grid_rows(book.get_sheet_by_name(sheet))]


def _stream_rows(data: bytes, sheet: str) -> list[list[object]]:
    book = _XlsxBook(zipfile.ZipFile(io.BytesIO(data)))
    return [_trimmed(row) for row in book.rows(sheet)]


def _trimmed(row: Sequence[object]) -> list[object]:
    """A row without its trailing empty cells (calamine pads every row to the sheet's width)."""
    cells = list(row)
    while cells and cells[-1] == "":
        cells.pop()
    return cells


def _same(data: bytes, sheet: str) -> None:
    expected = _calamine_rows(data, sheet)
    got = _stream_rows(data, sheet)
    while expected and not expected[-1]:  # calamine stops at its last used row
        expected.pop()
    while got and not got[-1]:
        got.pop()
    assert got == expected
    for row_got, row_expected in zip(got, expected, strict=True):
        assert [type(v) for v in row_got] == [type(v) for v in row_expected]


def _random_book(seed: int, date_1904: bool) -> bytes:
    """A workbook of two sheets of random cells of every kind, as Excel would save it."""
    rng = random.Random(seed)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "date_1904": date_1904})
    formats = [book.add_format({"num_format": code}) for code in FORMATS]
    bold = book.add_format({"bold": True})
    for name in ("Danh sách", "Tháng 7"):
        sheet = book.add_worksheet(name)
        first_row, first_col = rng.randrange(0, 5), rng.randrange(0, 4)
        for r in range(first_row, first_row + rng.randrange(1, 40)):
            if rng.random() < 0.1:
                continue  # a row missing from the XML
            if rng.random() < 0.1:
                sheet.set_row(r, None, None, {"hidden": True})
            for c in range(first_col, first_col + rng.randrange(1, 9)):
                pick = rng.random()
                fmt = rng.choice(formats) if rng.random() < 0.5 else None
                if pick < 0.3:
                    sheet.write_string(r, c, rng.choice(TEXTS), fmt)
                elif pick < 0.5:
                    number = rng.choice(NUMBERS)
                    if fmt is formats[FORMATS.index("[h]:mm:ss")] and number > 1e6:
                        number = 1e6  # calamine's duration overflows past 999.999.999 days
                    sheet.write_number(r, c, number, fmt)
                elif pick < 0.6:
                    sheet.write_datetime(
                        r,
                        c,
                        rng.choice(
                            (
                                datetime(2023, 7, 16),
                                datetime(1950, 1, 2, 13, 45, 30),
                                datetime(1900, 2, 28),
                                datetime(1904, 1, 5),
                            )
                        ),
                        rng.choice(formats[:5]),
                    )
                elif pick < 0.65:
                    sheet.write_boolean(r, c, rng.random() < 0.5, fmt)
                elif pick < 0.72:
                    sheet.write_formula(r, c, "=1+1", fmt, rng.choice((2, "hai", "#DIV/0!", True)))
                elif pick < 0.77:
                    sheet.write_rich_string(r, c, "Nguyễn ", bold, "Văn", " An")
                elif pick < 0.8:
                    sheet.write_blank(r, c, None, fmt)
                elif pick < 0.83:
                    sheet.write_string(r, c, "Khu\r\n3 \x01", fmt)
    book.close()
    return out.getvalue()


@pytest.mark.parametrize("seed", range(40))
def test_random_excel_sheets_stream_as_calamine_reads_them(seed: int) -> None:
    data = _random_book(seed, date_1904=seed % 4 == 3)
    for sheet in ("Danh sách", "Tháng 7"):
        _same(data, sheet)


def test_openpyxl_inline_strings_and_dates_stream_as_calamine_reads_them() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "DS"
    sheet.append(["STT", "Họ và tên", "Ngày", "Giờ", "Số tiền", None, True])
    sheet.append([1, "  Nguyễn Văn An ", date(2023, 7, 16), time(8, 30), 1350000.0, None, "x"])
    sheet.append([2, "=SUM(A1:A2)", datetime(2023, 7, 16, 9, 15), timedelta(hours=30), "1.350.000"])
    sheet["C2"].number_format = "dd/mm/yyyy"
    out = io.BytesIO()
    book.save(out)
    _same(out.getvalue(), "DS")


def _edited_sheet(xml: bytes) -> bytes:
    """A one-sheet .xlsx (XlsxWriter's) whose sheet XML and shared strings are written by hand."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.add_worksheet("DS").write_string(0, 0, "x")  # so that the file has shared strings
    book.close()
    strings = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>Nguyễn</t></si>"
        '<si><r><t xml:space="preserve">Trần </t></r><r><t>Bình</t></r>'
        "<rPh><t>phonetic</t></rPh></si>"
        "<si><t>Khu_x000D_3</t></si>"
        '<si><t xml:space="preserve">  spaced  </t></si>'
        "<si></si>"
        "</sst>"
    ).encode()
    edited = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(out.getvalue())) as source,
        zipfile.ZipFile(edited, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for part in source.infolist():
            content = {"xl/worksheets/sheet1.xml": xml, "xl/sharedStrings.xml": strings}
            target.writestr(part.filename, content.get(part.filename, source.read(part)))
    return edited.getvalue()


PREFIXED = (
    b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<x:sheetData>"
    b'<x:row r="2"><x:c r="B2" t="s"><x:v>0</x:v></x:c><x:c t="s"><x:v>1</x:v></x:c>'
    b'<x:c t="s"><x:v>2</x:v></x:c><x:c t="s"><x:v>3</x:v></x:c>'
    b'<x:c t="s"><x:v>4</x:v></x:c></x:row>'
    b'<x:row><x:c r="A3"><x:v>12.5</x:v></x:c><x:c r="D3" t="str"><x:v>Khu &amp; 3</x:v></x:c>'
    b'<x:c r="E3" t="inlineStr"><x:is><x:t> inline </x:t></x:is></x:c>'
    b'<x:c r="F3" t="b"><x:v>0</x:v></x:c><x:c r="G3" t="e"><x:v>#N/A</x:v></x:c>'
    b'<x:c r="H3" t="d"><x:v>2023-07-16</x:v></x:c>'
    b'<x:c r="I3" t="d"><x:v>2023-07-16T08:30:00</x:v></x:c>'
    b'<x:c r="J3"><x:v>abc</x:v></x:c><x:c r="K3"/></x:row>'
    b'<x:row r="6"><x:c r="C6" t="s"><x:v>0</x:v></x:c></x:row>'
    b"</x:sheetData></x:worksheet>"
)


def test_a_prefixed_sheet_phonetic_runs_escapes_and_cells_without_references() -> None:
    data = _edited_sheet(PREFIXED)
    _same(data, "DS")
    rows = _stream_rows(data, "DS")
    assert rows[1] == ["", "Nguyễn", "Trần Bình", "Khu\r3", "  spaced  "]
    assert rows[2][:6] == [12.5, "", "", "Khu & 3", "inline", False]
    assert rows[2][7:10] == [date(2023, 7, 16), datetime(2023, 7, 16, 8, 30), "abc"]
    assert rows[3:5] == [[], []]


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("DD/MM/YY", "date"),
        ("H:MM:SS;@", "date"),
        ("#,##0\\ [$\\u20bd-46D]", ""),
        ('m"M"d"D";@', "date"),
        ("[h]:mm:ss", "duration"),
        ('"Y: "0.00"m";"Y: "-0.00"m";"Y: <num>m";@', ""),
        ('"$"#,##0_);[Red]("$"#,##0)', ""),
        ('[$-404]e"\\xfc"m"\\xfc"d"\\xfc"', "date"),
        ("0_ ;[Red]\\-0\\ ", ""),
        ("\\Y000000", ""),
        ('#,##0.0####" YMD"', ""),
        ("[h]", "duration"),
        ("[ss]", "duration"),
        ("[s].000", "duration"),
        ("[m]", "duration"),
        ("[mm]", "duration"),
        ("[Blue]\\+[h]:mm;[Red]\\-[h]:mm;[Green][h]:mm", "duration"),
        ("[>=100][Magenta][s].00", "duration"),
        ("[Red]0.00", ""),
        ("General", ""),
        ("AM/PM", "date"),
    ],
)
def test_number_formats_are_dates_or_durations_by_calamines_rule(code: str, kind: str) -> None:
    """calamine's own cases (src/formats.rs), ported from openpyxl's."""
    assert _format_kind(code) == kind


def test_shared_strings_are_kept_compactly() -> None:
    strings = _Strings()
    for value in ("", "Nguyễn Văn An", "𝔘", "022123456789", ""):
        strings.append(value)
    assert [strings[i] for i in range(len(strings))] == [
        "",
        "Nguyễn Văn An",
        "𝔘",
        "022123456789",
        "",
    ]


def _payment_list(path: Path, rows: int) -> None:
    """A payment list as Excel saves it (shared strings)."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Danh sách")
    sheet.write_row(0, 0, ["DANH SÁCH CHI TRẢ TRỢ CẤP XÃ HỘI HẰNG THÁNG"])
    sheet.write_row(2, 0, ["STT", "Họ và tên", "Số CCCD", "Thôn", "Hệ số", "Số tiền", "Hình thức"])
    for i in range(rows):
        sheet.write_row(
            3 + i, 0, [i + 1, f"Nguyễn Văn {i}", f"0220{i:08d}", "Thôn 1", 1.5, 750000, "Tiền mặt"]
        )
    sheet.write_row(3 + rows, 0, [None, "Tổng cộng", None, None, None, 750000 * rows])
    book.close()


_PEAK = """
import sys
from pathlib import Path
from ingest.payments import COLUMNS
from ingest.read import read_sheet

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1])

before = status("VmRSS")
read = read_sheet(Path(sys.argv[1]), COLUMNS, keep_rows=False)
rows = sum(1 for _ in read.each_row())
print(rows, status("VmHWM") - before)
"""


def _peak_kb(path: Path) -> tuple[int, int]:
    """Rows read, and the peak memory (KB) above what the process held before reading, in a
    fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", _PEAK, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    ).stdout.split()
    return int(out[0]), int(out[1])


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_a_list_three_times_longer_costs_no_more_memory(tmp_path: Path) -> None:
    """Read twice as a long payment list is (counted, then each row again), from its path:
    25.000 rows, then 75.000. calamine built the whole sheet on each read (~0,4 KB a row); the
    stream then kept every shared string in memory (~36 bytes a string: +3,6 MB here); now the
    first 16.384 are kept and the rest read back from a spool on disk whose cache is bounded
    (``spool.CACHE_KIB``), full at both lengths: the two peaks are within 0,75 MB (measured:
    30.000 / 60.000 / 120.000 rows, 3,2 / 3,2 / 3,3 MB)."""
    _payment_list(tmp_path / "short.xlsx", 25_000)
    _payment_list(tmp_path / "long.xlsx", 75_000)
    short_rows, short_kb = _peak_kb(tmp_path / "short.xlsx")
    long_rows, long_kb = _peak_kb(tmp_path / "long.xlsx")
    assert (short_rows, long_rows) == (25_000, 75_000)
    assert long_kb - short_kb < 768, (short_kb, long_kb)


def _rows(source: bytes | Path) -> list[tuple[int, tuple[object, ...]]]:
    read = read_sheet(source, COLUMNS, keep_rows=False)
    return [(row.number, tuple(row.values.values())) for row in read.each_row()]


def test_shared_strings_read_back_from_the_spool_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past ``IN_MEMORY_STRINGS`` a list's shared strings go to a spool on disk and come back
    in blocks: with 7 in memory, blocks of 5 and two kept, every row of a 300-row list (600
    distinct names and CCCDs; the village and the method, spooled early, met on every row)
    reads as it does from memory, from its bytes or its path; strings asked for out of order
    come back right (a block evicted and read again), an index out of range is an
    ``IndexError`` (the reader's "damaged file")."""
    path = tmp_path / "list.xlsx"
    _payment_list(path, 300)
    expected = _rows(path.read_bytes())
    assert len(expected) == 300 and expected[299][1][:2] == ("Nguyễn Văn 299", "022000000299")
    monkeypatch.setattr(read_module, "IN_MEMORY_STRINGS", 7)
    monkeypatch.setattr(read_module, "STRING_BLOCK", 5)
    monkeypatch.setattr(read_module, "STRING_BLOCKS_KEPT", 2)
    assert _rows(path.read_bytes()) == expected
    assert _rows(path) == expected
    strings = read_module._Strings()
    for i in range(23):
        strings.append(f"chuỗi {i} 𝔸")
    assert len(strings) == 23
    assert [strings[i] for i in (22, 0, 6, 7, 12, 3, 21, 8)] == [
        f"chuỗi {i} 𝔸" for i in (22, 0, 6, 7, 12, 3, 21, 8)
    ]
    with pytest.raises(IndexError):
        strings[23]
    with pytest.raises(IndexError):
        strings[-1]


def _office_list(seed: int) -> bytes:
    """A payment list laid out as offices do, at random: titles, the header (maybe away from
    A1), the numbered row, rows with blanks among them, a total row or none, the signatures,
    and cells or rows that only hold a format, below and right of the list."""
    rng = random.Random(seed)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    money = book.add_format({"num_format": "#,##0"})
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet = book.add_worksheet("DS")
    r, c = rng.randrange(0, 3), rng.randrange(0, 3)
    sheet.write(r, c, "DANH SÁCH CHI TRẢ TRỢ CẤP XÃ HỘI HẰNG THÁNG")
    r += rng.randrange(1, 4)
    header = ["STT", "Họ và tên", "Số CCCD", "Thôn", "Hệ số", "Số tiền", "Hình thức", "Ngày"]
    sheet.write_row(r, c, header)
    if rng.random() < 0.5:
        r += 1
        sheet.write_row(r, c, [f"({n})" for n in range(1, len(header) + 1)])
    total = 0
    for number in range(1, rng.randrange(2, 30)):
        r += 1
        if number > 1 and rng.random() < 0.1:
            continue  # a blank row
        amount = rng.choice((750_000, 1_125_000, "1.350.000"))
        total += amount if isinstance(amount, int) else 1_350_000
        sheet.write_row(r, c, [number, f"Người {number}", f"0221{number:08d}", "Thôn 1", 1.5])
        sheet.write(r, c + 5, amount, money)
        sheet.write(r, c + 6, rng.choice(("Tiền mặt", "CK", "")))
        if rng.random() < 0.3:
            sheet.write_datetime(r, c + 7, datetime(2026, 11, rng.randrange(1, 28)), day)
    if rng.random() < 0.7:
        r += 1
        sheet.write_row(r, c, [None, "Tổng cộng", None, None, None, total])
    r += 2
    sheet.write(r, c + 1, "Người lập biểu")
    for _ in range(rng.randrange(0, 4)):  # formats only: no value
        sheet.write_blank(rng.randrange(r + 1, r + 2_000), rng.randrange(0, 300), None, money)
        sheet.set_row(rng.randrange(r + 1, 1_048_575), 24)
    book.close()
    return out.getvalue()


@pytest.mark.parametrize("seed", range(30))
def test_a_list_read_from_the_stream_is_read_as_from_calamines_sheet(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole table (rows, the total, what was left out and why, the count), streamed and
    through calamine's sheet; cells and rows with a format only change nothing (calamine's
    sheet ends at its last value, so the stream gives no row for them, and no "blank" or
    "after the total" row is listed for them)."""
    data = _office_list(seed)
    streamed = read_sheet(data, COLUMNS)
    monkeypatch.setattr(read_module, "_open_book", read_module._CalamineBook)
    through_calamine = read_sheet(data, COLUMNS)
    assert streamed == through_calamine
    assert streamed.rows
    again = read_sheet(data, COLUMNS, keep_rows=False)
    assert list(again.each_row()) == streamed.rows


# --- what a review found the first stream did otherwise than calamine --------------------------

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _sheet_xml(rows: str, root: str = f'<worksheet xmlns="{MAIN}">') -> bytes:
    end = "</" + root[1:].split()[0] + ">"
    prefix = root[1:].split(":")[0] + ":" if ":" in root.split()[0] else ""
    return f"{root}<{prefix}sheetData>{rows}</{prefix}sheetData>{end}".encode()


@pytest.mark.parametrize(
    "cells",
    [
        '<c r="C2" t="b"><v/></c><c r="D2"><v></v></c><c r="E2" t="s"><v/></c>',
        '<c r="C2" t="e"><v/></c><c r="D2" t="e"><v>#N/A</v></c><c r="E2" t="n"><v/></c>',
        '<c r="C2" t="s"><v>-1</v></c><c r="D2" t="s"><v>+1</v></c><c r="E2" t="s"><v> 1 </v></c>',
        '<c r="C2"><v> 12 </v></c><c r="D2"><v>1_000</v></c><c r="E2"><v>١٢</v></c>',
        '<c r="C2"><v>1e3</v></c><c r="D2"><v>-.5</v></c><c r="E2"><v>abc</v></c>',
        '<c r="C2" t="str"><v>a_x000D_b</v></c><c r="D2" t="inlineStr"><is><t>_x4E00_</t></is></c>',
        '<c r="C2" t="inlineStr"><is><t>x</t></is><v>x</v></c>'
        '<c r="D2" t="is"><is><t>y</t></is></c>',
        '<c r="C2"><is><t>z</t></is></c><c r="D2"><v>1</v><f>1</f></c><c r="E2"><f>1</f></c>',
        '<c r="C2" t="d"><v>2023-07-16</v></c><c r="D2" t="d"><v>2023-07-16T08:30:00</v></c>',
        '<c r="C2" t="d"><v>2023-07-16T08:30:00Z</v></c>'
        '<c r="D2" t="d"><v>2023-07-16T08:30</v></c>',
        '<c r="C2" t="d"><v>08:30:00</v></c><c r="D2" t="d"><v>20230716</v></c>',
        '<c r="C2" s="x"><v>45123</v></c><c r="D2" s=""><v>45123</v></c>'
        '<c r="E2" s="99"><v>1</v></c>',
    ],
)
def test_unusual_cells_read_as_calamine_reads_them(cells: str) -> None:
    _same(
        _edited_sheet(
            _sheet_xml(f'<row r="1"><c r="A1"><v>1</v></c></row><row r="2">{cells}</row>')
        ),
        "DS",
    )


def test_elements_with_a_prefix_other_than_the_roots_are_read() -> None:
    rows = (
        '<x:row r="1" xmlns:x="' + MAIN + '"><x:c r="A1" t="s"><x:v>0</x:v></x:c></x:row>'
        '<row r="2"><c r="B2"><v>2</v></c></row>'
    )
    data = _edited_sheet(_sheet_xml(rows))
    _same(data, "DS")
    assert _stream_rows(data, "DS")[:2] == [["Nguyễn"], ["", 2.0]]


@pytest.mark.parametrize(
    "rows",
    [
        '<row r="4"><c r="A4"><v>1</v></c></row><row r="3"><c r="A3"><v>1</v></c></row>',
        '<row r="2"><c r="A2"><v>1</v></c></row><row r="2"><c r="B2"><v>1</v></c></row>',
        '<row r="2"><c r="B2"><v>1</v></c><c r="A2"><v>1</v></c></row>',
        '<row r="2"><c r="C5"><v>1</v></c></row>',
        '<row r="0"><c r="A0"><v>1</v></c></row>',
        '<row r="2"><c r="@2"><v>1</v></c></row>',
        '<row r="2"><c r="$C$2"><v>1</v></c></row>',
        '<row r="2"><c r="C2" t="s"><v>99</v></c></row>',
        '<row r="2"><c r="C2" t="n"><v>abc</v></c></row>',
    ],
)
def test_what_a_stream_cannot_place_refuses_the_file_as_damaged(rows: str) -> None:
    """A row or cell before one already read, a cell outside its row, a reference that is
    none, a shared string that is not there, a number that is none: refused, not misplaced."""
    data = _edited_sheet(_sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>' + rows))
    with pytest.raises(IngestFileError, match="hỏng"):
        read_sheet(data, COLUMNS)


def _renamed(data: bytes, old: str, new: str) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for part in source.infolist():
            name = new if part.filename == old else part.filename
            target.writestr(name, source.read(part))
    return out.getvalue()


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/styles.xml"])
def test_shared_strings_and_styles_are_found_whatever_the_case_of_their_names(part: str) -> None:
    data = _random_book(1, date_1904=False)
    renamed = _renamed(data, part, part.replace("/s", "/S"))
    assert _stream_rows(renamed, "Danh sách") == _stream_rows(data, "Danh sách")
    _same(renamed, "Danh sách")


def test_a_conditional_formats_number_format_does_not_change_a_cells() -> None:
    """A <numFmt> under <dxfs> (a conditional format's) is not the cell style's format."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("DS")
    sheet.write_datetime(0, 0, datetime(2023, 7, 16), book.add_format({"num_format": "dd/mm/yy"}))
    sheet.conditional_format(
        "A1",
        {
            "type": "cell",
            "criteria": ">",
            "value": 0,
            "format": book.add_format({"num_format": "#,##0"}),
        },
    )
    book.close()
    _same(out.getvalue(), "DS")
    assert _stream_rows(out.getvalue(), "DS") == [[date(2023, 7, 16)]]


def test_a_strict_workbook_shows_its_sheets() -> None:
    strict = "http://purl.oclc.org/ooxml/spreadsheetml/main"
    strict_rels = "http://purl.oclc.org/ooxml/officeDocument/relationships"
    data = _edited_sheet(_sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>'))
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for part in source.infolist():
            content = source.read(part)
            if part.filename.startswith("xl/") and part.filename.endswith(".xml"):
                content = content.replace(MAIN.encode(), strict.encode()).replace(
                    b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                    strict_rels.encode(),
                )
            target.writestr(part.filename, content)
    assert sheet_names(out.getvalue()) == ["DS"] == _calamine_sheets(out.getvalue())
    _same(out.getvalue(), "DS")


def _calamine_sheets(data: bytes) -> list[str]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return [s.name for s in book.sheets_metadata if s.visible == SheetVisibleEnum.Visible]


def test_a_part_whose_compressed_data_is_damaged_refuses_the_file() -> None:
    data = bytearray(_random_book(2, date_1904=False))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/workbook.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 2, start + min(info.compress_size, 40)):
        data[i] ^= 0x5A
    with pytest.raises(IngestFileError):
        sheet_names(bytes(data))
    with pytest.raises(IngestFileError):
        read_sheet(bytes(data), COLUMNS)


def test_element_names_are_learnt_up_to_a_bound() -> None:
    """Names are mapped to what the stream looks for whatever their prefix, and a file of
    made-up element names does not grow the map without end."""
    tags = read_module._Tags(("c", "v"))
    assert (tags["x:c"], tags["c"], tags["v"], tags["sheetData"]) == ("c", "c", "v", None)
    for i in range(5_000):
        assert tags[f"made-up{i}"] is None
    assert len(tags) == read_module._TAGS_KEPT
