"""One cell of an office's list -> the value the database stores, or a sentence saying why not.

Each function reads the forms offices really type, not only the template's: a date as an Excel
date, a serial number or text ("16/7/2023", "16-07-2023", "ngày 16 tháng 7 năm 2023"); money as
"1.350.000 đ"; a CCCD that Excel turned into a number and so lost its leading zero; a commune
written "Xã Quảng Tân", "QUẢNG TÂN" or "quang tan". What it cannot read it refuses with a
``BadValue`` (a ``ValueError``) whose text is a plain Vietnamese sentence about the value, for
the office to correct; it never guesses between two readings (Vietnamese writes "1.350" for
one thousand three hundred and fifty and "1,5" for one and a half, so "1,350" is refused).

Pure functions: no database, no Streamlit.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from i18n import Catalog, choose

T = Catalog(
    "ingest.normalise",
    {
        "empty": ("Ô này để trống.", "The cell is empty."),
        "not_date": (
            "«{value}» không phải là ngày (ghi ngày/tháng/năm, ví dụ 16/7/2023).",
            "'{value}' is not a date (write day/month/year, e.g. 16/7/2023).",
        ),
        "impossible_date": (
            "«{value}» không phải là ngày có thật.",
            "'{value}' is not a real date.",
        ),
        "not_month": (
            "«{value}» không phải là tháng (ghi tháng/năm, ví dụ 7/2023).",
            "'{value}' is not a month (write month/year, e.g. 7/2023).",
        ),
        "impossible_month": (
            "«{value}» không phải là tháng có thật.",
            "'{value}' is not a real month.",
        ),
        "not_money": (
            "«{value}» không phải số tiền đồng chẵn (ví dụ 1.350.000).",
            "'{value}' is not a whole amount of đồng (e.g. 1.350.000).",
        ),
        "negative_money": (
            "«{value}» là số âm: số tiền không được âm.",
            "'{value}' is negative: an amount cannot be negative.",
        ),
        "not_cccd": (
            "«{value}» không phải số CCCD 12 chữ số.",
            "'{value}' is not a 12-digit citizen ID (CCCD) number.",
        ),
        "not_coefficient": (
            "«{value}» không phải là hệ số (ví dụ 1,5).",
            "'{value}' is not a coefficient (e.g. 1,5).",
        ),
        "coefficient_step": (
            "«{value}» không phải hệ số hợp lệ: hệ số chỉ có một chữ số thập phân (ví dụ 1,5).",
            "'{value}' is not a valid coefficient: it has one decimal place at most (e.g. 1,5).",
        ),
        "coefficient_range": (
            "«{value}» nằm ngoài khoảng của hệ số: phải lớn hơn 0 và không quá 10.",
            "'{value}' is out of the coefficient's range: above 0 and at most 10.",
        ),
    },
)


class Bilingual(Exception):
    """An import's refusal said in both languages: ``str()`` and ``vi`` the Vietnamese (the
    language of the people who send the lists), ``en`` the English."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(vi)
        self.vi = vi
        self.en = en

    def message(self, lang: str = "vi") -> str:
        """The message in the user's language."""
        return choose(lang, self.vi, self.en)


class BadValue(Bilingual, ValueError):
    """A value a normaliser cannot read.

    The sentence names the value as it was written (long text cut at 40 characters), so that the
    list of problems shown to the person importing can be read without the file open.
    """


# What a spreadsheet may read as the start of a formula: the same list as
# reports.spreadsheet.FORMULA_TRIGGERS (OWASP CSV injection, with the full-width forms).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# Characters that show as nothing, pasted in from web pages and Word.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_SHOWN_CHARS = 40
# Years outside these are a typo in a welfare list (0023, 20233), not a date to store.
_FIRST_YEAR, _LAST_YEAR = 1900, 2100
# Excel's 1900 date system counts from 30/12/1899 (it believes 1900 was a leap year, so serial
# 60 is 29/2/1900, a day that never was, and serials below it start one day later).
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_LAST_SERIAL = 2958465  # 31/12/9999
# A formula's result such as 1.350.000 × 1,5 may come back as 2024999.9999999998.
_FLOAT_SLACK = 1e-6


def text(value: object) -> str | None:
    """A cell as one line of text: NFC, trimmed, inner whitespace collapsed; None when empty.

    Numbers are written as a person reads them in the cell: 12 and 12.0 are "12", 1.5 is "1.5".
    """
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        shown = str(int(value)) if value.is_integer() else str(value)
    else:
        shown = str(value)
    shown = unicodedata.normalize("NFC", shown.translate(_INVISIBLE))
    return " ".join(shown.split()) or None


def fold(value: str) -> str:
    """``value`` for comparing: NFC, case-folded, whitespace collapsed (keeps the diacritics)."""
    return " ".join(unicodedata.normalize("NFC", value.translate(_INVISIBLE)).casefold().split())


def unaccent(value: str) -> str:
    """``value`` without Vietnamese diacritics: "Quảng Tân" -> "Quang Tan" ("đ" is a letter of its
    own, not a "d" with a mark, so it is replaced by hand)."""
    bare = "".join(
        ch for ch in unicodedata.normalize("NFD", value) if unicodedata.category(ch) != "Mn"
    )
    return unicodedata.normalize("NFC", bare.replace("đ", "d").replace("Đ", "D"))


# (written with its marks, written without) — longest first, so "khu phố" wins over "khu".
_UNIT_PREFIXES = (
    ("thị trấn ", "thi tran "),
    ("khu phố ", "khu pho "),
    ("phường ", "phuong "),
    ("thôn ", "thon "),
    ("khu ", "khu "),
    ("xã ", "xa "),
    ("tt. ", "tt. "),
    ("tt ", "tt "),
)


def name_key(value: object) -> str:
    """A commune's or village's name as a key for matching: "Xã Quảng Tân", "QUẢNG TÂN",
    "quang tan" and their NFD forms all give "quang tan".

    The kind of unit written before the name (xã, thị trấn, TT., phường, thôn, khu phố, khu) is
    dropped, then the diacritics; "Thôn 01" and "Thôn 1" give the same key. A prefix written
    without marks ("xa ") is dropped only when it was typed that way: "Xà Lò" keeps its "xa".
    """
    folded = fold(text(value) or "")
    plain = unaccent(folded)
    for marked, bare in _UNIT_PREFIXES:
        if folded.startswith((marked, bare)):  # stripped text: a name follows the space
            plain = plain[len(bare) :]
            break
    plain = re.sub(r"\b0+(?=\d)", "", plain)
    return " ".join(plain.split())


def _shown(value: object) -> tuple[str, str]:
    """``value`` as the messages quote it, in Vietnamese and English (a decimal comma or point)."""
    shown = text(value) or ""
    if len(shown) > _SHOWN_CHARS:
        shown = shown[: _SHOWN_CHARS - 1] + "…"
    if isinstance(value, float) and not value.is_integer():
        return shown.replace(".", ","), shown
    return shown, shown


def _bad(key: str, value: object) -> BadValue:
    vi, en = _shown(value)
    return BadValue(T(key, "vi", value=vi), T(key, "en", value=en))


def _number(value: object) -> float | None:
    """A number cell's value (booleans are not numbers), or None for anything else."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _checked_date(year: int, month: int, day: int, value: object) -> date:
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        raise _bad("impossible_date", value)
    try:
        return date(year, month, day)
    except ValueError:
        raise _bad("impossible_date", value) from None


def _from_excel_serial(number: float, value: object) -> date:
    if not math.isfinite(number) or not 1 <= number <= _EXCEL_LAST_SERIAL:
        raise _bad("impossible_date", value)
    days = int(number)  # the fraction is the time of day
    if days == 60:
        raise _bad("impossible_date", value)
    day = _EXCEL_EPOCH + timedelta(days=days + (1 if days < 60 else 0))
    return _checked_date(day.year, day.month, day.day, value)


_TIME = r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DAY_FIRST = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})" + _TIME)
_YEAR_FIRST = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME)
_IN_WORDS = re.compile(
    r"(?:ngày|ngay)\s*(\d{1,2})\s*(?:tháng|thang)\s*(\d{1,2})\s*(?:năm|nam)\s*(\d{4})"
)


def parse_date(value: object) -> date:
    """A date: an Excel date, an Excel serial number (1900 system) or text written day first
    ("16/7/2023", "16-07-2023", "16.07.2023", "ngày 16 tháng 7 năm 2023") or as "2023-07-16".

    A day that does not exist (31/2/2023, 29/2/1900) or a year outside 1900–2100 is refused.
    """
    if isinstance(value, datetime):
        return _checked_date(value.year, value.month, value.day, value)
    if isinstance(value, date):
        return _checked_date(value.year, value.month, value.day, value)
    if (number := _number(value)) is not None:
        return _from_excel_serial(number, value)
    written = text(value)
    if written is None:
        raise _bad("empty", value)
    folded = fold(written)
    if found := _DAY_FIRST.fullmatch(folded):
        day, month, year = int(found[1]), int(found[3]), int(found[4])
    elif found := _YEAR_FIRST.fullmatch(folded):
        year, month, day = int(found[1]), int(found[2]), int(found[3])
    elif found := _IN_WORDS.fullmatch(folded):
        day, month, year = int(found[1]), int(found[2]), int(found[3])
    else:
        raise _bad("not_date", value)
    return _checked_date(year, month, day, value)


_MONTH_WORD = re.compile(
    r"(?:tháng|thang|t)\s*\.?\s*(\d{1,2})\s*(?:[/.\-]|\s(?:năm|nam)\s|\s)\s*(\d{4})"
)
_MONTH_FIRST = re.compile(r"(\d{1,2})[/.\-](\d{4})")
_YEAR_MONTH = re.compile(r"(\d{4})[-/](\d{1,2})")


def parse_month(value: object) -> date:
    """A month, as its first day: "7/2023", "07/2023", "Tháng 7/2023", "tháng 7 năm 2023",
    "T7/2023", "2023-07", an Excel date or any full date ``parse_date`` reads (its month)."""
    if isinstance(value, date) or _number(value) is not None:
        return parse_date(value).replace(day=1)
    written = text(value)
    if written is None:
        raise _bad("empty", value)
    folded = fold(written)
    if found := _MONTH_WORD.fullmatch(folded) or _MONTH_FIRST.fullmatch(folded):
        month, year = int(found[1]), int(found[2])
    elif found := _YEAR_MONTH.fullmatch(folded):
        year, month = int(found[1]), int(found[2])
    else:
        try:
            return parse_date(written).replace(day=1)
        except BadValue:
            raise _bad("not_month", value) from None
    if not (1 <= month <= 12 and _FIRST_YEAR <= year <= _LAST_YEAR):
        raise _bad("impossible_month", value)
    return date(year, month, 1)


_MONEY_UNIT = re.compile(r"\s*(?:đồng|dong|vnđ|vnd|đ|d|₫)\.?$")
# Whole amounts as offices write them: 1350000; 1.350.000 (Vietnamese thousands), with ",00"
# or not; 1350000,00; 1,350,000 (two or more English groups cannot be a decimal); 1350000.00.
_WHOLE_MONEY = (
    re.compile(r"(\d+)"),
    re.compile(r"(\d{1,3}(?:\.\d{3})+)(?:,0+)?"),
    re.compile(r"(\d+),0+"),
    re.compile(r"(\d{1,3}(?:,\d{3}){2,})(?:\.0+)?"),
    re.compile(r"(\d+)\.0{1,2}"),
)


def parse_money(value: object) -> int:
    """An amount in whole đồng: a number, or text such as "1.350.000", "1 350 000 đ",
    "1350000 VND". Negative amounts, fractions of a đồng ("1.350,5") and text that could be
    read two ways ("1,350": one and a bit in Vietnamese) are refused."""
    if (number := _number(value)) is not None:
        if not math.isfinite(number):
            raise _bad("not_money", value)
        if number < 0:
            raise _bad("negative_money", value)
        if isinstance(value, int):
            return value
        if abs(number - round(number)) > _FLOAT_SLACK:
            raise _bad("not_money", value)
        return round(number)
    written = text(value)
    if written is None:
        raise _bad("empty", value)
    compact = "".join(_MONEY_UNIT.sub("", fold(written)).split())
    if compact.startswith(("-", "−")) or (compact.startswith("(") and compact.endswith(")")):
        raise _bad("negative_money", value)
    for form in _WHOLE_MONEY:
        if found := form.fullmatch(compact):
            return int(re.sub(r"[.,]", "", found[1]))
    raise _bad("not_money", value)


def parse_cccd(value: object) -> str:
    """A citizen ID (CCCD) as its 12 digits.

    Its first three digits are a province code from 001 to 096, so it always starts with 0, and
    Excel drops that zero when the column holds numbers: a number of 11 digits gets its zero
    back (10 digits: two zeros, provinces 001–009), as does digit text of 11 digits (copied out
    of such a number). Spaces, dots and dashes between the digits are dropped. Anything else is
    refused, the 9-digit CMND included.
    """
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if _number(value) is not None:
        digits = str(value)
        if isinstance(value, int) and value > 0 and len(digits) in (10, 11, 12):
            return digits.zfill(12)
        raise _bad("not_cccd", value)
    written = text(value)
    if written is None:
        raise _bad("empty", value)
    if found := re.fullmatch(r"(\d+)\.0", written):  # a number's text: "22123456789.0"
        return parse_cccd(int(found[1]))
    digits = re.sub(r"[\s.\-]", "", written.lstrip("'"))
    if re.fullmatch(r"[0-9]{11,12}", digits):
        return digits.zfill(12)
    raise _bad("not_cccd", value)


def parse_coefficient(value: object) -> int:
    """A Decree 20 coefficient (hệ số) in tenths, as the database stores it: "1,5", "1.5", 1.5
    -> 15; 2 -> 20. A value with more than one decimal (1,25) or outside 0 < x ≤ 10 is refused."""
    if (number := _number(value)) is not None:
        if not math.isfinite(number):
            raise _bad("not_coefficient", value)
        tenths = round(number * 10)
        if abs(number * 10 - tenths) > _FLOAT_SLACK:
            raise _bad("coefficient_step", value)
    else:
        written = text(value)
        if written is None:
            raise _bad("empty", value)
        if not re.fullmatch(r"[-−]?\d+(?:[.,]\d+)?", written):
            raise _bad("not_coefficient", value)
        try:
            scaled = Decimal(written.replace(",", ".").replace("−", "-")) * 10
        except InvalidOperation:
            raise _bad("not_coefficient", value) from None
        if scaled != scaled.to_integral_value():
            raise _bad("coefficient_step", value)
        tenths = int(scaled)
    if not 0 < tenths <= 100:
        raise _bad("coefficient_range", value)
    return tenths


def is_formula_text(value: object) -> bool:
    """Whether ``value`` is text a spreadsheet would run as a formula ("=…", "+…", "-…", "@…",
    a tab or carriage return first). Such text is kept as text and never evaluated here; the
    caller flags it, because the list will be opened in Excel again."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def plain_text(value: object) -> str:
    """A text cell (``text``), refused when it starts like a formula (= + - @ …): kept as the
    office typed it, never a value a spreadsheet would run."""
    written = text(value) or ""
    if is_formula_text(written):
        raise BadValue(
            f"«{written}» bắt đầu bằng ký tự của công thức: không nhận.",
            f"«{written}» starts like a formula: refused.",
        )
    return written
