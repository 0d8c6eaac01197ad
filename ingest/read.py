"""Reading a commune office's list as it was sent: find the table in the sheet, keep its rows.

Offices fill in the template, but also their own copies of it: the national motto and the list's
title above the header, the unit ("Đơn vị tính: đồng"), a row numbering the columns "(1) (2)
(3)" under the header, rows hidden by a filter, a "Tổng cộng" row and the signatures below it,
headers typed without diacritics. ``read_sheet`` finds the header by the texts each ``Column``
may have, returns every data row's raw values, and lists what it left out and why, so that the
person importing can check it. A file that cannot be a list (not a spreadsheet, a zip bomb, a
sheet that is not there, too many rows) is refused as a whole with ``IngestFileError``.

Values only (no macros, no formula engine), so a formula's value is the one the office's Excel
saved, never computed here. An .xlsx sheet is streamed from its XML a row at a time (expat), with
the values python-calamine would give, and its hidden rows, formula cells and extent noted in the
same pass: what a long list costs in memory is its shared strings (one UTF-8 block), not its
sheet. .xls, .xlsb and .ods are read by python-calamine, which builds the whole sheet first and
says nothing of hidden rows or formulas: none are skipped or listed for them.

Pure: bytes in, a ``ReadResult`` out; no database, no Streamlit.
"""

from __future__ import annotations

import io
import math
import posixpath
import re
import zipfile
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import chain, islice, pairwise
from pathlib import Path
from typing import IO
from xml.etree import ElementTree
from xml.parsers import expat

from python_calamine import (
    CalamineError,
    CalamineSheet,
    CalamineWorkbook,
    PasswordError,
    SheetTypeEnum,
    SheetVisibleEnum,
)

from i18n import Catalog

from .normalise import Bilingual, fold, text, unaccent
from .spool import Spool, Table

T = Catalog(
    "ingest.read",
    {
        "not_spreadsheet": (
            "Tệp này không phải bảng tính Excel (.xlsx, .xls) hay .ods. Hãy mở danh sách bằng "
            "Excel, lưu lại dạng .xlsx rồi gửi tệp đó.",
            "This file is not an Excel (.xlsx, .xls) or .ods spreadsheet. Open the list in "
            "Excel, save it as .xlsx and send that file.",
        ),
        "damaged": (
            "Không đọc được tệp: tệp bị hỏng hoặc không đúng định dạng. Hãy mở lại bằng Excel, "
            "lưu lại dạng .xlsx rồi gửi lại.",
            "The file cannot be read: it is damaged or not in the format its name says. Open it "
            "in Excel, save it as .xlsx and send it again.",
        ),
        "changed": (
            "Tệp đã thay đổi trong lúc đang đọc: không có gì được ghi. Hãy nạp lại khi tệp đã "
            "lưu xong.",
            "The file changed while it was being read: nothing was written. Load it again once "
            "it is saved.",
        ),
        "unreadable": (
            "Không đọc được tệp (lỗi hệ thống: {reason}).",
            "The file cannot be read: {reason}.",
        ),
        "password": (
            "Tệp có đặt mật khẩu: hãy bỏ mật khẩu rồi gửi lại.",
            "The file is protected by a password: remove the password and send it again.",
        ),
        "too_large": (
            "Tệp giải nén ra hơn {limit} MB: quá lớn để đọc. Hãy chia danh sách thành nhiều tệp.",
            "The file unpacks to more than {limit} MB: too large to read. Split the list into "
            "several files.",
        ),
        "zip_bomb": (
            "Tệp nén bất thường (có phần giải nén ra gấp hơn {ratio} lần): không đọc tệp này.",
            "The file is compressed abnormally (a part of it unpacks to more than {ratio} "
            "times its size): it is not read.",
        ),
        "no_sheet": (
            "Tệp không có trang tính nào để đọc.",
            "The file has no sheet to read.",
        ),
        "unknown_sheet": (
            "Không có trang tính «{sheet}» trong tệp. Các trang có trong tệp: {names}.",
            "There is no sheet '{sheet}' in the file. Its sheets are: {names}.",
        ),
        "no_header": (
            "Không tìm thấy dòng tiêu đề có các cột: {columns}. Kiểm tra tệp có đúng mẫu không.",
            "No header row with the columns: {columns}. Check that the file follows the template.",
        ),
        "too_many_rows": (
            "Tệp có hơn {limit} dòng: hãy chia danh sách thành nhiều tệp, mỗi tệp không quá "
            "{limit} dòng.",
            "The file has more than {limit} rows: split the list into files of at most {limit} "
            "rows each.",
        ),
        "too_wide": (
            "Trang «{sheet}» có dữ liệu đến tận cột {column}: quá rộng để đọc. Hãy xoá các ô "
            "thừa bên phải danh sách rồi gửi lại.",
            "Sheet '{sheet}' has data as far as column {column}: too wide to read. Delete the "
            "stray cells right of the list and send it again.",
        ),
    },
)

HEADER_SEARCH_ROWS = 30  # the header is within the first 30 rows, below the titles
MAX_UNPACKED_MB = 200  # an .xlsx of 200.000 rows unpacks to well under this
MAX_RATIO = 100  # spreadsheets compress 5–20 times; a zip bomb a thousand
# A part smaller than this is harmless however well it compresses (a sheet of empty rows).
_RATIO_FLOOR = 1024 * 1024
# Rows a sheet may run past ``max_rows``: titles, blank rows, the signature block. A sheet that
# ends further down is refused before calamine makes its cells into Python values.
_ROW_SLACK = 10_000
MAX_COLUMNS = 256  # a list has a few dozen columns; more is a stray cell far to the right
# A long list's shared strings past the first IN_MEMORY_STRINGS (~0,5 MB) go to a spool on disk,
# read back STRING_BLOCK at a time, the last STRING_BLOCKS_KEPT blocks kept.
IN_MEMORY_STRINGS = 16_384
STRING_BLOCK = 1_024
STRING_BLOCKS_KEPT = 8

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls, and an .xlsx saved with a password
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_NUMBERED_CELL = re.compile(r"\(?\s*(\d{1,3}|[a-z])\s*\)?[\s=x*+\-/:.()\d]*")
# "Tổng cộng …", or "Cộng" alone or before a colon or bracket: "Cộng Hòa", "Cộng Thành" are
# villages, and a list may start its rows with the village.
_TOTAL = re.compile(r"(?:tổng cộng|tong cong)(?!\w)|cộng\s*(?:$|[^\w\s])")
_TRAILING_UNIT = re.compile(r"(?:\s*\([^()]*\))+$")


@dataclass(frozen=True)
class Column:
    """A column a list must or may have: its key, and the header texts offices write for it.

    Headers match whatever their case, spacing, Unicode form and a trailing unit in parentheses
    ("Số tiền (đồng)"); headers typed without diacritics match too when no header matches
    exactly.
    """

    key: str
    headers: tuple[str, ...]
    required: bool = False


class Cells(Mapping[str, object]):
    """A row's raw values by column key: one tuple behind the keys of the sheet's header, which
    every row shares (a dict per row costs three times as much on a list of 100.000 rows)."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: Mapping[str, int], values: tuple[object, ...]) -> None:
        self._index = index
        self._values = values

    def __getitem__(self, key: str) -> object:
        return self._values[self._index[key]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return repr(dict(self))

    @property
    def blank(self) -> bool:
        """Whether no column read holds a value."""
        return all(value is None for value in self._values)


@dataclass(frozen=True)
class RawRow:
    """One row as the office typed it: its Excel row number and each found column's raw value
    (None for an empty cell; text as typed, numbers as numbers, dates as dates)."""

    number: int
    values: Mapping[str, object]


@dataclass(frozen=True)
class ReadResult:
    """The table found in a sheet.

    ``skipped`` says which rows below the header were left out and why: "hidden" (hidden in
    Excel, e.g. by a filter), "numbered" (the "(1) (2) (3)…" row under the header), "blank"
    (nothing in any column read), "after_total" (below the total row: signatures, notes).
    ``formulas`` lists the cells of the header, data and total rows that hold a formula: their
    values are what the office's Excel saved, and the caller says so.

    ``rows`` is empty when the sheet was read with ``keep_rows=False``: ``row_count`` says how
    many there are, and ``each_row()`` reads them again from the file one at a time.
    """

    sheet: str
    header_row: int
    columns: dict[str, int]
    rows: list[RawRow]
    total: RawRow | None
    skipped: list[tuple[int, str]]
    formulas: list[tuple[int, int]]
    row_count: int = -1  # -1: len(rows)
    source: Source | None = field(default=None, repr=False, compare=False)
    stamp: tuple[int, ...] | None = field(default=None, repr=False, compare=False)

    @property
    def count(self) -> int:
        """How many data rows the table has."""
        return len(self.rows) if self.row_count < 0 else self.row_count

    def each_row(self) -> Iterator[RawRow]:
        """The data rows in order: the kept ones, or read again from the file (calamine holds
        the sheet while they are read, but not the rows already given)."""
        if self.source is None:
            yield from self.rows
            return
        check_unchanged(self.source, self.stamp)
        book = _open_book(self.source)
        left_out = {number for number, _ in self.skipped}
        end = self.total.number if self.total is not None else None
        keys = {key: i for i, key in enumerate(self.columns)}
        positions = tuple(self.columns.values())
        try:
            grid = book.rows(self.sheet)
            for index, cells in enumerate(islice(grid, self.header_row, None), self.header_row):
                number = index + 1
                if number == end:
                    break
                if number not in left_out:
                    yield RawRow(number, Cells(keys, tuple(_value(cells, c) for c in positions)))
        except _DAMAGED:
            check_unchanged(self.source, self.stamp)  # rewritten while read: say so
            raise refuse("damaged") from None
        check_unchanged(self.source, self.stamp)


class IngestFileError(Bilingual):
    """A file refused as a whole, before its rows are looked at: why, and what the sender can
    do."""


@dataclass
class _Notes:
    """What calamine does not tell about a sheet, noted while an .xlsx sheet is streamed: its
    hidden rows and the cells that hold a formula (.xls, .xlsb, .ods: none)."""

    hidden: set[int] = field(default_factory=set)
    formulas: list[tuple[int, int]] = field(default_factory=list)


# What reading a damaged file raises: calamine's errors, and the .xlsx XML's (a part missing, a
# value that is not what its type says, a shared string that is not there).
_DAMAGED = (
    CalamineError,
    expat.ExpatError,
    ElementTree.ParseError,
    KeyError,
    IndexError,
    ValueError,
    OverflowError,
    zipfile.BadZipFile,
    EOFError,
    zlib.error,  # a part's compressed data damaged
    NotImplementedError,  # a compression method zipfile does not read (deflate64)
    RuntimeError,  # a part flagged as encrypted
)


def refuse(key: str, **values: object) -> IngestFileError:
    return IngestFileError(T(key, "vi", **values), T(key, "en", **values))


def _number_vi(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _too_many_rows(limit: int) -> IngestFileError:
    return IngestFileError(
        T("too_many_rows", "vi", limit=_number_vi(limit)),
        T("too_many_rows", "en", limit=f"{limit:,}"),
    )


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@lru_cache(maxsize=20_000)  # bounded: three letters at most
def _column_of(letters: str) -> int:
    """The column of a cell reference's letters: "A" -> 1, "AB" -> 28, up to "XFD"; anything
    else is damaged."""
    if not (0 < len(letters) <= 3 and letters.isascii() and letters.isalpha()):
        raise _DamagedXml(letters)
    if not letters.isupper():
        raise _DamagedXml(letters)
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - ord("A") + 1
    return number


# --- the file -----------------------------------------------------------------------------------


# A list as uploaded (bytes), or as a file on disk (a path: the CLI's, the benchmark's), whose
# .xlsx is read from the disk as it is unpacked instead of held whole.
Source = bytes | Path


def file_stamp(source: Source) -> tuple[int, ...] | None:
    """What says a file on disk is still the one read (device, inode, size, modification time);
    None for bytes, which cannot change."""
    if isinstance(source, bytes):
        return None
    found = source.stat()
    return (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns)


def check_unchanged(source: Source, stamp: tuple[int, ...] | None) -> None:
    """Refuse a file on disk that is no longer the one first read (saved again meanwhile): its
    hash, its count and its rows must be of one file."""
    try:
        now = file_stamp(source)
    except OSError:
        now = None
    if now != stamp:
        raise refuse("changed")


def _open_zip(data: Source) -> zipfile.ZipFile:
    """The .xlsx or .ods as a zip, once its sizes are safe to unpack.

    The sizes are read from the zip's directory before anything is unpacked: a zip bomb (a few
    kilobytes that unpack to gigabytes) is refused before it costs memory or time.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
        parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise refuse("damaged") from None
    if sum(part.file_size for part in parts) > MAX_UNPACKED_MB * 1024 * 1024:
        raise refuse("too_large", limit=MAX_UNPACKED_MB)
    for part in parts:
        if part.file_size > _RATIO_FLOOR and part.file_size > MAX_RATIO * part.compress_size:
            raise refuse("zip_bomb", ratio=MAX_RATIO)
    return archive


def _spreadsheet_kind(data: Source) -> tuple[str, zipfile.ZipFile | None]:
    """The file's kind by its first bytes and parts ("xlsx", "xlsb", "ods" or "xls"), with the
    zip of the first three; anything else is refused."""
    if isinstance(data, Path):  # a zip on disk (``_open_book`` reads anything else whole)
        return _zip_kind(_open_zip(data))
    if data.startswith(_OLE2_MAGIC):
        # A password-protected .xlsx is an OLE2 file with an "EncryptionInfo" stream.
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise refuse("password")
        return "xls", None
    if not data.startswith(_ZIP_MAGIC):
        raise refuse("not_spreadsheet")
    return _zip_kind(_open_zip(data))


def _zip_kind(archive: zipfile.ZipFile) -> tuple[str, zipfile.ZipFile]:
    names = set(archive.namelist())
    if "xl/workbook.xml" in names:
        return "xlsx", archive
    if "xl/workbook.bin" in names:
        return "xlsb", archive
    if "mimetype" in names and archive.read("mimetype").strip() == _ODS_MIMETYPE:
        return "ods", archive
    raise refuse("not_spreadsheet")  # a Word document, a zip of photos, ...


class _Book:
    """A spreadsheet's sheets (every one, and those a person sees) and each sheet's rows from
    row 1, each a sequence of values from column A ("" for an empty cell)."""

    sheet_names: list[str]
    visible: list[str]

    def rows(
        self, sheet: str, max_rows: int = 0, notes: _Notes | None = None
    ) -> Iterator[Sequence[object]]:
        """``max_rows``: refuse a sheet whose values reach further down than a list of that
        many rows can, before its cells become Python values; ``notes`` gets what the file
        says of hidden rows and formulas."""
        raise NotImplementedError


class _CalamineBook(_Book):
    """.xls, .xlsb and .ods, through python-calamine."""

    def __init__(self, data: Source) -> None:
        try:
            if isinstance(data, Path):
                data = data.read_bytes()
            self.book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        except PasswordError:
            raise refuse("password") from None
        except CalamineError:
            raise refuse("damaged") from None
        self.sheet_names = self.book.sheet_names
        self.visible = [
            sheet.name
            for sheet in self.book.sheets_metadata
            if sheet.typ == SheetTypeEnum.WorkSheet and sheet.visible == SheetVisibleEnum.Visible
        ]

    def rows(
        self, sheet: str, max_rows: int = 0, notes: _Notes | None = None
    ) -> Iterator[Sequence[object]]:
        """calamine's whole sheet, its extent checked first (it says nothing of hidden rows
        and formulas)."""
        found = self.book.get_sheet_by_name(sheet)
        end = found.end  # (row, column), counted from 0
        if max_rows and end is not None:
            _check_extent(sheet, end[0] + 1, end[1] + 1, max_rows)
        return _grid_rows(found)


def _open_book(data: Source) -> _Book:
    if isinstance(data, Path):
        with data.open("rb") as file:
            if file.read(len(_ZIP_MAGIC)) != _ZIP_MAGIC:
                data = data.read_bytes()  # an .xls (calamine reads it whole), or refused below
    try:
        kind, archive = _spreadsheet_kind(data)
        if kind == "xlsx" and archive is not None:
            return _XlsxBook(archive)
    except _DAMAGED:
        raise refuse("damaged") from None
    if archive is not None:
        archive.close()  # calamine reads the file itself
    return _CalamineBook(data)


def sheet_names(data: Source) -> list[str]:
    """The sheets a person sees in the file, in order (hidden sheets and chart sheets left out).

    Raises ``IngestFileError`` for a file that is not a spreadsheet or not safe to unpack.
    """
    return _open_book(data).visible


def _pick_sheet(book: _Book, sheet: str | None) -> str:
    """The sheet asked for (by its exact name, or the same name in another case or spacing),
    or the first visible one."""
    visible = book.visible
    if sheet is None:
        if not visible:
            raise refuse("no_sheet")
        return visible[0]
    if sheet in book.sheet_names:
        return sheet
    wanted = fold(sheet)
    for name in book.sheet_names:
        if fold(name) == wanted:
            return name
    raise refuse("unknown_sheet", sheet=sheet, names=", ".join(visible))


# --- the .xlsx sheet's XML --------------------------------------------------------------------


def _local(tag: str) -> str:
    """An XML tag without its namespace (transitional and strict .xlsx differ only there)."""
    return tag.rpartition("}")[2]


# calamine builds a whole sheet (every cell, and the file's shared strings) before it gives the
# first row: about 0,4 KB a row, on each of a long list's two reads. An .xlsx sheet is read here
# straight from its XML instead, a row at a time, with python-calamine's rules for the values
# (its Rust source, calamine's ``xlsx`` module, followed line by line): shared and inline strings
# (phonetic runs left out, ASCII spaces trimmed unless preserved, "_x00HH_" escapes), booleans,
# error cells and empty values as empty, numbers as floats, dates and times by the cell's number
# format, the 1904 date system; the shared strings and styles at their usual paths, whatever
# their case. What calamine would place out of order (a row or a cell before one already read, a
# cell whose reference is not its row's) refuses the file as damaged: a stream cannot go back.
# expat without namespace processing (a third faster); elements by their local name.

_ESCAPED = re.compile(r"_x00([0-9A-Fa-f]{2})_")  # a character XML cannot hold, as Excel writes it
_NUMBER = re.compile(
    r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?:inf|infinity|nan)",
    re.IGNORECASE,
)
_REFERENCE = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_TIME = re.compile(r"[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?")
_ASCII_SPACE = " \t\r\n"
_DIGITS = "0123456789"
_XML_SPACE = "xml:space"
_EXCEL_EPOCH = datetime(1899, 12, 30)
_DAY_MS = 86_400_000
# Excel's built-in date and time formats, by their id as written (calamine compares the text).
_DATE_FORMAT_IDS = frozenset(("14", "15", "16", "17", "18", "19", "20", "21", "22", "45", "47"))
_DURATION_FORMAT_ID = "46"  # [h]:mm:ss
_EMPTY_IF_BLANK = (None, "n", "s", "b", "e")  # an empty <v> of these types is no value
_REL_IDS = (  # a sheet's relationship id, transitional and strict
    _REL_ID,
    "{http://purl.oclc.org/ooxml/officeDocument/relationships}id",
)
_BLOCK = 1 << 16
_TAGS_KEPT = 256


class _DamagedXml(ValueError):
    """The sheet's XML says something a stream cannot follow (a row before one read)."""


class _Strings:
    """An .xlsx's shared strings, compactly: the first ``IN_MEMORY_STRINGS`` as one UTF-8 block
    and where each string ends (a Python list of 200.000 names and CCCDs would take five times
    as much), the rest in a spool on disk, read back a block of ``STRING_BLOCK`` at a time (a
    list's strings come in the order its rows use them, so a block serves many rows)."""

    __slots__ = ("_block", "_blocks", "_ends", "_spool", "_spooled", "_table")

    def __init__(self) -> None:
        self._block = bytearray()
        self._ends = array("Q")
        self._spool: Spool | None = None
        self._table: Table | None = None
        self._spooled = 0
        self._blocks: OrderedDict[int, list[str]] = OrderedDict()  # the spool's recent blocks

    def append(self, value: str) -> None:
        if len(self._ends) < IN_MEMORY_STRINGS:
            self._block += value.encode("utf-8", "surrogatepass")
            self._ends.append(len(self._block))
            return
        if self._table is None:
            self._spool = Spool()
            self._table = Table(self._spool, 1, "c0 TEXT")
        # rowid = 1 + the string's place among the spooled ones
        self._table.add((value.encode("utf-8", "surrogatepass"),))
        self._spooled += 1

    def __getitem__(self, index: int) -> str:
        memory = len(self._ends)
        if 0 <= index < memory:
            start = self._ends[index - 1] if index > 0 else 0
            return self._block[start : self._ends[index]].decode("utf-8", "surrogatepass")
        if not memory <= index < memory + self._spooled:
            raise IndexError(index)
        number, at = divmod(index - memory, STRING_BLOCK)
        block = self._blocks.get(number)
        if block is None:
            assert self._table is not None
            first = number * STRING_BLOCK + 1
            name = self._table.name
            query = f"SELECT c0 FROM {name} WHERE rowid BETWEEN ? AND ? ORDER BY rowid"  # noqa: S608
            block = [
                bytes(value).decode("utf-8", "surrogatepass")
                for (value,) in self._table.values(query, (first, first + STRING_BLOCK - 1))
            ]
            self._blocks[number] = block
            if len(self._blocks) > STRING_BLOCKS_KEPT:
                self._blocks.popitem(last=False)
        else:
            self._blocks.move_to_end(number)
        return block[at]

    def __len__(self) -> int:
        return len(self._ends) + self._spooled


def _unescape(value: str) -> str:
    return _ESCAPED.sub(lambda m: chr(int(m[1], 16)), value) if "_x00" in value else value


def _string_text(value: str, preserve: bool) -> str:
    """A ``<t>``'s text as calamine keeps it."""
    return _unescape(value if preserve else value.strip(_ASCII_SPACE))


def _index(text: str | None) -> int:
    """An index attribute as calamine reads it: ASCII digits, else 0."""
    return int(text) if text and text.isascii() and text.isdigit() else 0


class _Tags(dict[str, str | None]):
    """Element name -> its local name when it is one of ``wanted``, else None; learnt as
    names come (whatever prefix a file gives them)."""

    def __init__(self, wanted: Sequence[str]) -> None:
        super().__init__()
        self._wanted = frozenset(wanted)

    def __missing__(self, name: str) -> str | None:
        local = name.rpartition(":")[2]
        found = local if local in self._wanted else None
        if len(self) < _TAGS_KEPT:  # a file of a million made-up element names keeps 256
            self[name] = found
        return found


def _stream(
    stream: IO[bytes],
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None],
    text: Callable[[str], None],
) -> Iterator[None]:
    """Feed ``stream`` to expat a block at a time, yielding after each (the caller hands out
    what its handlers collected)."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    while True:
        block = stream.read(_BLOCK)
        parser.Parse(block, not block)
        yield
        if not block:
            return


def _format_kind(code: str) -> str:
    """ "date", "duration" or "" for a custom number format: calamine's rule (the first section,
    outside quotes, brackets and escapes, has a date or time letter; "[h]", "[mm]", "[s]" make a
    duration)."""
    escaped = quoted = after_a = hms = False
    brackets = 0
    previous = " "
    for char in code:
        if escaped:
            escaped = False
        elif char in "_\\*":
            escaped = True
        elif quoted:
            quoted = char != '"'
        elif char == '"':
            quoted = True
        elif char == ";":
            return ""
        elif char == "[":
            brackets += 1
        elif char == "]" and brackets == 1 and hms:
            return "duration"
        elif char == "]":
            brackets = max(brackets - 1, 0)
        elif char in "aA" and not after_a and not brackets:
            after_a = True
        elif not brackets and (char in "pm/PM" if after_a else char in "dmhysDMHYS"):
            return "date"
        elif not (hms and char.lower() == previous.lower()):
            hms = previous == "[" and char in "mhsMHS"
        previous = char
    return ""


class _XlsxBook(_Book):
    """An .xlsx read from its XML: its sheets (workbook.xml and its relationships), and each
    sheet's rows streamed."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self._names = {name.lower(): name for name in archive.namelist()}  # parts, any case
        rels = self._relationships("xl/_rels/workbook.xml.rels", "xl")
        self._parts: dict[str, str] = {}
        self.sheet_names = []
        self.visible = []
        self.is_1904 = False
        for element in ElementTree.fromstring(self._read("xl/workbook.xml")).iter():
            tag = _local(element.tag)
            if tag == "workbookPr":
                self.is_1904 = element.get("date1904") in ("1", "true")
            elif tag == "sheet":
                name = element.get("name") or ""
                rel_id = next((element.get(a) for a in _REL_IDS if element.get(a)), "")
                part, kind = rels.get(rel_id or "", ("", ""))
                self.sheet_names.append(name)
                self._parts[name] = part
                if kind.endswith("/worksheet") and element.get("state") in (None, "visible"):
                    self.visible.append(name)
        by_kind = {kind.rpartition("/")[2]: part for part, kind in rels.values()}
        # Where calamine looks (whatever the relationships say), else where they point.
        self._strings_part = self._find("xl/sharedStrings.xml", by_kind.get("sharedStrings"))
        self._styles_part = self._find("xl/styles.xml", by_kind.get("styles"))

    def _find(self, *paths: str | None) -> str | None:
        """The first of ``paths`` the zip holds, as the zip names it (any case)."""
        return next((self._names[p.lower()] for p in paths if p and p.lower() in self._names), None)

    def _read(self, path: str) -> bytes:
        found = self._find(path)
        if found is None:
            raise KeyError(path)
        return self.archive.read(found)

    def _relationships(self, path: str, base: str) -> dict[str, tuple[str, str]]:
        """A part's relationships: id -> (the target's path in the zip, its type)."""
        found: dict[str, tuple[str, str]] = {}
        for element in ElementTree.fromstring(self._read(path)).iter():
            if _local(element.tag) == "Relationship":
                target = element.get("Target") or ""
                path_in_zip = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join(base, target))
                )
                found[element.get("Id") or ""] = (
                    self._find(path_in_zip) or path_in_zip,
                    element.get("Type") or "",
                )
        return found

    def _formats(self) -> list[str]:
        """Each cell style's number format kind ("date", "duration" or ""), by its index, as
        calamine reads styles.xml: the stylesheet's formats in order, then its cell styles."""
        if self._styles_part is None:
            return []
        custom: dict[str, str] = {}
        kinds: list[str] = []
        for section in ElementTree.fromstring(self.archive.read(self._styles_part)):
            tag = _local(section.tag)
            if tag == "numFmts":
                for element in section:
                    number, code = element.get("numFmtId"), element.get("formatCode")
                    if _local(element.tag) == "numFmt" and number and code is not None:
                        custom[number] = code
            elif tag == "cellXfs":
                for xf in (e for e in section if _local(e.tag) == "xf"):
                    number = xf.get("numFmtId")
                    if number is None:
                        kinds.append("")
                    elif number in custom:
                        kinds.append(_format_kind(custom[number]))
                    elif number in _DATE_FORMAT_IDS:
                        kinds.append("date")
                    else:
                        kinds.append("duration" if number == _DURATION_FORMAT_ID else "")
        return kinds

    def _strings(self) -> _Strings:
        """The shared strings, each the text of its ``<t>``s (a rich text's runs joined)."""
        strings = _Strings()
        if self._strings_part is None:
            return strings
        tags = _Tags(("si", "t", "rPh"))
        parts: list[str] = []
        pieces: list[str] = []
        reading = phonetic = preserve = False

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal reading, phonetic, preserve
            tag = tags[name]
            if tag == "si":
                parts.clear()
            elif tag == "rPh":
                phonetic = True
            elif tag == "t" and not phonetic:
                pieces.clear()
                reading, preserve = True, attrs.get(_XML_SPACE) == "preserve"

        def end(name: str) -> None:
            nonlocal reading, phonetic
            tag = tags[name]
            if tag == "t" and reading:
                parts.append(_string_text("".join(pieces), preserve))
                reading = False
            elif tag == "rPh":
                phonetic = False
            elif tag == "si":
                strings.append("".join(parts))

        def text(data: str) -> None:
            if reading:
                pieces.append(data)

        with self.archive.open(self._strings_part) as stream:
            for _ in _stream(stream, start, end, text):
                pass
        return strings

    def rows(
        self, sheet: str, max_rows: int = 0, notes: _Notes | None = None
    ) -> Iterator[Sequence[object]]:
        """The sheet's rows, streamed; a row the XML leaves out, or whose cells hold no value,
        is an empty list, given only when a row with a value follows (calamine's sheet ends at
        its last value). ``notes`` gets the hidden rows and formula cells as they come;
        ``max_rows``: a value further down than a list can reach, or right of
        ``MAX_COLUMNS``, refuses the sheet there, before the rows between become values."""
        part = self._parts[sheet]
        strings = self._strings()
        formats = self._formats()
        is_1904 = self.is_1904
        last_row = max_rows + HEADER_SEARCH_ROWS + _ROW_SLACK if max_rows else 0
        hidden = notes.hidden if notes is not None else None
        formulas = notes.formulas if notes is not None else None
        tags = _Tags(("row", "c", "v", "is", "f", "t", "rPh"))
        done: list[list[object]] = []
        cells: list[object] = []
        pieces: list[str] = []
        inline: list[str] | None = None
        row = column = given = 0  # given: the last row handed out
        row_text = "0"
        kind: str | None = None
        style: str | None = None
        raw: str | None = None
        last = ""  # the cell's last child of <v>, <is>, <f>: calamine keeps what it says
        reading = phonetic = preserve = valued = False

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal row, column, kind, style, raw, inline, last, reading, phonetic, preserve
            nonlocal valued, row_text
            tag = tags[name]
            if tag == "c":
                reference = attrs.get("r")
                if reference:
                    letters = reference.rstrip(_DIGITS)
                    if reference[len(letters) :] != row_text:  # "C05", or another row's
                        found = _REFERENCE.fullmatch(reference)
                        if found is None or int(found[2]) != row:
                            raise _DamagedXml(reference)
                    at = _column_of(letters)
                    if at <= column:
                        raise _DamagedXml(reference)  # before a cell already read
                    column = at
                else:
                    column += 1
                kind, style = attrs.get("t"), attrs.get("s")
                raw = inline = None
                last = ""
            elif tag == "v":
                pieces.clear()
                reading, last = True, "v"
            elif tag == "row":
                number = int(attrs["r"]) if attrs.get("r") else row + 1
                if number <= row:
                    raise _DamagedXml(number)  # a row before one already read
                row, column, valued, row_text = number, 0, False, str(number)
                cells.clear()
                if hidden is not None and attrs.get("hidden") in ("1", "true"):
                    hidden.add(row)
            elif tag == "is":
                inline, last = [], "is"
            elif tag == "f":
                last = "f"
                if formulas is not None:
                    formulas.append((row, column))
            elif tag == "rPh":
                phonetic = True
            elif tag == "t" and inline is not None and not phonetic:
                pieces.clear()
                reading, preserve = True, attrs.get(_XML_SPACE) == "preserve"

        def end(name: str) -> None:
            nonlocal raw, reading, phonetic, valued, given
            tag = tags[name]
            if tag == "c":
                value: object
                if last == "v" and raw and kind == "s" and raw.isascii() and raw.isdigit():
                    value = strings[int(raw)]  # the usual cells first: a shared string,
                elif last == "v" and raw and kind is None and style is None:
                    value = float(raw) if _NUMBER.fullmatch(raw) else raw  # a plain number
                else:
                    value = _cell_value(kind, style, raw, inline, last, strings, formats, is_1904)
                if value is None:
                    return  # no value: a cell with a format only, an empty <v/>, a formula
                if last_row and (row > last_row or column > MAX_COLUMNS):
                    _check_extent(sheet, row, column, max_rows)
                valued = True
                if len(cells) < column - 1:
                    cells.extend([""] * (column - 1 - len(cells)))
                cells.append(value)
            elif tag == "v" and reading:
                raw, reading = "".join(pieces), False
            elif tag == "t" and reading:
                assert inline is not None
                inline.append(_string_text("".join(pieces), preserve))
                reading = False
            elif tag == "rPh":
                phonetic = False
            elif tag == "row" and valued:
                done.extend([] for _ in range(row - given - 1))  # the rows between: empty
                done.append(list(cells))
                given = row

        def text(data: str) -> None:
            if reading:
                pieces.append(data)

        with self.archive.open(part) as stream:
            for _ in _stream(stream, start, end, text):
                yield from done
                done.clear()


def _cell_value(
    kind: str | None,
    style: str | None,
    raw: str | None,
    inline: list[str] | None,
    last: str,
    strings: _Strings,
    formats: list[str],
    is_1904: bool,
) -> object:
    """A cell's value as python-calamine gives it (None: the cell holds none), from its type
    ("t"), its style ("s"), the text of its ``<v>`` and its inline string's ``<t>``s, and which
    of ``<v>``, ``<is>``, ``<f>`` came last."""
    if last == "is":
        return "".join(inline) if inline is not None else None
    if last != "v" or raw is None or kind in ("inlineStr", "is"):
        return None  # no value, a formula without one, an inline string's stray <v>
    if raw == "" and kind in _EMPTY_IF_BLANK:
        return None
    if kind == "e":
        return ""  # #N/A, #DIV/0!: a cell, without a value python-calamine gives
    if kind == "s":
        return strings[_index(raw)]
    if kind == "str":
        return _unescape(raw)
    if kind == "b":
        return raw != "0"
    if kind == "d":
        return _iso_value(raw)
    if _NUMBER.fullmatch(raw) is None:
        if kind is None:
            return raw  # no type: calamine keeps text that is no number
        raise _DamagedXml(raw)
    number = float(raw)
    if style is None:
        return number
    index = _index(style)
    format_kind = formats[index] if index < len(formats) else ""
    if not format_kind:
        return number
    return _excel_date(number, format_kind == "duration", is_1904)


def _round_half_away(value: float) -> int:
    """Rust's ``f64::round``: halves away from zero (Python's ``round`` goes to even)."""
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def _excel_date(serial: float, duration: bool, is_1904: bool) -> object:
    """An Excel serial as python-calamine makes it: a duration, a time of day (below 1), a date
    (a whole number) or a date and time, to the millisecond; the number itself out of range."""
    if math.isnan(serial) or math.isinf(serial):
        return serial
    if duration:
        try:
            return timedelta(milliseconds=_round_half_away(serial * _DAY_MS))
        except OverflowError:
            return serial
    days = serial + 1462 if is_1904 else serial
    if days < 60:
        days += 1  # Excel counts a 29 February 1900 that never was
    milliseconds = _round_half_away(days * _DAY_MS)
    if serial < 1.0:  # the time of day, whatever the day (chrono's, before year 1 too)
        return (datetime.min + timedelta(milliseconds=milliseconds % _DAY_MS)).time()
    try:
        moment = _EXCEL_EPOCH + timedelta(milliseconds=milliseconds)
    except OverflowError:
        return serial
    if serial == float(int(serial)):
        return moment.date()
    return moment


def _iso_value(raw: str) -> object:
    """A cell of type "d": a date written in the XML as ISO 8601 text, read as calamine's
    chrono reads it (no time zone, seconds required); other text stays text."""
    try:
        if "T" in raw:
            day, _, moment = raw.partition("T")
            if _ISO_DATE.fullmatch(day) and _ISO_TIME.fullmatch(moment):
                return datetime.fromisoformat(raw)
        elif ":" in raw:
            if _ISO_TIME.fullmatch(raw):
                return time.fromisoformat(raw)
        elif _ISO_DATE.fullmatch(raw):
            return date.fromisoformat(raw)
    except ValueError:
        pass
    return raw


def _check_extent(sheet: str, last_row: int, last_column: int, max_rows: int) -> None:
    """Refuse a sheet whose used area is too big before its cells become Python values (a
    stray value in cell XFD1048576 would make a grid of 17 billion cells)."""
    if last_row > max_rows + HEADER_SEARCH_ROWS + _ROW_SLACK:
        raise _too_many_rows(max_rows)
    if last_column > MAX_COLUMNS:
        raise refuse("too_wide", sheet=sheet, column=_column_letters(last_column))


# --- the table ----------------------------------------------------------------------------------


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_label(value: object) -> str | None:
    """A header cell for matching: folded, without trailing units or marks ("(đồng)", "(*)",
    "*", ":")."""
    written = text(value)
    if written is None:
        return None
    label = _TRAILING_UNIT.sub("", fold(written)).rstrip(" *:")
    return label or None


def _match_header(cells: Sequence[object], columns: Sequence[Column]) -> dict[str, int]:
    """Column key -> 1-based column index, for the columns this row names. Each column takes
    the first cell that matches one of its headers exactly (after folding), or else the first
    that matches without diacritics; a cell serves one column only."""
    labels = [_header_label(value) for value in cells]
    bare = [unaccent(label) if label else None for label in labels]
    found: dict[str, int] = {}
    taken: set[int] = set()
    for column in columns:
        wanted = {_header_label(header) for header in column.headers} - {None}
        wanted_bare = {unaccent(label) for label in wanted if label}
        index = next((i for i, x in enumerate(labels) if x in wanted and i not in taken), None)
        if index is None:
            index = next(
                (i for i, x in enumerate(bare) if x in wanted_bare and i not in taken), None
            )
        if index is not None:
            found[column.key] = index + 1
            taken.add(index)
    return found


def _find_header(
    grid: Sequence[Sequence[object]], columns: Sequence[Column], hidden: set[int]
) -> tuple[int, dict[str, int]]:
    """The first row (0-based) among the first 30 that names every required column, and the
    columns it names; refused, naming the required columns the best row lacks, when none does."""
    required = [column for column in columns if column.required]
    best_missing = required or list(columns)
    for index, cells in enumerate(grid[:HEADER_SEARCH_ROWS]):
        if index + 1 in hidden:
            continue
        found = _match_header(cells, columns)
        missing = [column for column in required if column.key not in found]
        if found and not missing:
            return index, found
        if found and len(missing) < len(best_missing):
            best_missing = missing
    names = ", ".join(column.headers[0] for column in best_missing)
    raise refuse("no_header", columns=names)


def _is_numbered(cells: Sequence[object]) -> bool:
    """Whether a row numbers the columns: "(1) (2) (3)…", "1 2 3…", "A B 1 2…", each kind in
    sequence ("(4)=(2)x(3)" counts as 4)."""
    numbers: list[int] = []
    letters: list[int] = []
    for value in cells:
        if _is_empty(value):
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            if not float(value).is_integer():
                return False
            numbers.append(int(value))
            continue
        found = _NUMBERED_CELL.fullmatch(fold(value)) if isinstance(value, str) else None
        if found is None:
            return False
        token = found[1]
        if token.isdigit():
            numbers.append(int(token))
        else:
            letters.append(ord(token))
    in_sequence = all(b == a + 1 for seq in (numbers, letters) for a, b in pairwise(seq))
    return len(numbers) + len(letters) >= 2 and in_sequence


def _is_total(cells: Sequence[object]) -> bool:
    """Whether the row's first text is "Tổng cộng…", "Tong cong…" or "Cộng" (not "Cộng Hòa")."""
    first = next((v for v in cells if isinstance(v, str) and v.strip()), None)
    return first is not None and _TOTAL.match(fold(first)) is not None


def _grid_rows(sheet: CalamineSheet) -> Iterator[Sequence[object]]:
    """The sheet's rows from row 1, each from column A (as ``to_python(skip_empty_area=False)``
    gives them, one at a time): calamine's rows start at row 1 but their cells at the first
    column used."""
    start = sheet.start
    pad: list[object] = [""] * (start[1] if start is not None else 0)
    for cells in sheet.iter_rows():
        yield [*pad, *cells] if pad else cells


def _value(cells: Sequence[object], column: int) -> object:
    value = cells[column - 1] if column <= len(cells) else None
    return None if _is_empty(value) else value


def read_sheet(
    data: Source,
    columns: Sequence[Column],
    sheet: str | None = None,
    *,
    max_rows: int = 200_000,
    keep_rows: bool = True,
) -> ReadResult:
    """The table of one sheet (the first visible one when ``sheet`` is None) of an .xlsx, .xls
    or .ods file: its header found among the first 30 rows by ``columns``' header texts, and its
    data rows down to the total row, with the rows left out and why.

    ``keep_rows=False``: the rows are checked and counted but not kept (a long list's memory);
    ``ReadResult.each_row()`` reads them again.

    Raises ``IngestFileError`` for a file that is not a spreadsheet, a zip bomb, a password,
    an unknown sheet, a sheet without a header naming every required column, or more than
    ``max_rows`` data rows.
    """
    stamp = file_stamp(data)
    book = _open_book(data)
    name = _pick_sheet(book, sheet)
    scan = _Notes()
    try:
        # Row by row: only the found columns of the data rows are kept, never the whole grid.
        grid = iter(book.rows(name, max_rows, scan))
        head = list(islice(grid, HEADER_SEARCH_ROWS))
        header_index, found_columns = _find_header(head, columns, scan.hidden)
        rows: list[RawRow] = []
        count = last = 0
        total: RawRow | None = None
        skipped: list[tuple[int, str]] = []
        looked_for_numbers = False
        keys = {key: i for i, key in enumerate(found_columns)}
        positions = tuple(found_columns.values())
        below = chain(head[header_index + 1 :], grid)
        for index, cells in enumerate(below, start=header_index + 1):
            number = last = index + 1
            if number in scan.hidden:
                skipped.append((number, "hidden"))
                continue
            if total is not None:
                skipped.append((number, "after_total"))
                continue
            values = Cells(keys, tuple(_value(cells, column) for column in positions))
            if _is_total(cells):
                total = RawRow(number, values)
                continue
            if not looked_for_numbers and not all(_is_empty(value) for value in cells):
                looked_for_numbers = True
                if _is_numbered(cells):
                    skipped.append((number, "numbered"))
                    continue
            if values.blank:
                skipped.append((number, "blank"))
                continue
            count += 1
            if keep_rows:
                rows.append(RawRow(number, values))
            if count > max_rows:
                raise _too_many_rows(max_rows)
    except _DAMAGED:
        check_unchanged(data, stamp)
        raise refuse("damaged") from None
    check_unchanged(data, stamp)

    # The header, data and total rows: every row read from the header on that was not left out.
    header_row = header_index + 1
    left_out = {number for number, _ in skipped}
    return ReadResult(
        sheet=name,
        header_row=header_row,
        columns=found_columns,
        rows=rows,
        total=total,
        skipped=skipped,
        formulas=[
            (row, column)
            for row, column in scan.formulas
            if row == header_row or (header_row < row <= last and row not in left_out)
        ],
        row_count=-1 if keep_rows else count,
        source=None if keep_rows else data,
        stamp=stamp,
    )
