"""The single place where the app turns numbers, money, dates and periods into text.

Vietnamese (``lang="vi"``) is the default and follows official report style
(DOMAIN.md section 4): ``1.911``, ``8,04%``, ``1,48 tỷ đồng``, ``Quý III/2023``,
``16/7/2021`` and, on formal documents (Decree 30/2020/NĐ-CP),
``Quảng Tân, ngày 05 tháng 12 năm 2023``.  ``lang="en"`` gives the English
equivalents.  Any other ``lang`` raises ``ValueError``.

Conventions shared by every function here:

* Missing values (``None``, NaN, ``pandas.NA``/``NaT``, infinities) render as
  ``MISSING`` ("—").
* Rounding is half-up (0,125 -> 0,13), not Babel's default half-even; values are
  rounded from their decimal text (``str(x)``), so 2.675 rounds to 2.68.
* Negative numbers use the true minus sign U+2212 ("−1.911"), the same sign
  Vega/d3 draws on chart axes, so tables and charts match.  A value that rounds
  to zero is shown unsigned ("0", never "−0" or "+0").
* Separators come from Babel's CLDR data (vi: "." thousands, "," decimal).

Charts: ``vega_locale`` / ``apply_locale`` put the same separators and
Vietnamese month/day names into a chart's ``config.locale``; the ``D3_*``
constants are d3-format / d3-time-format strings for axis and tooltip ``format=``.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext
from typing import Any, Literal, TypeVar, cast

import altair as alt
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from i18n import LANGS, Catalog, choose

__all__ = [
    "D3_DATE_EN",
    "D3_DATE_VI",
    "D3_DECIMAL",
    "D3_INT",
    "D3_MONEY",
    "D3_MONTH_EN",
    "D3_MONTH_VI",
    "D3_PCT",
    "D3_PCT_INT",
    "D3_PCT_TRIM",
    "LANGS",
    "MINUS",
    "MISSING",
    "apply_locale",
    "d3_date_format",
    "d3_month_format",
    "fmt_change_pct",
    "fmt_change_pp",
    "fmt_date",
    "fmt_date_formal",
    "fmt_decimal",
    "fmt_int",
    "fmt_money",
    "fmt_money_full",
    "fmt_month",
    "fmt_month_short",
    "fmt_percent",
    "fmt_period",
    "roman",
    "vega_locale",
]

MISSING = "—"
VIETNAM_TIME = timezone(timedelta(hours=7), "ICT")  # Vietnam keeps UTC+7 all year
"""Shown for a missing value (em dash)."""

MINUS = "\u2212"
"""True minus sign used for negatives (matches d3/Vega's default)."""

_PANDAS_MISSING = frozenset({"NAType", "NaTType"})  # pandas.NA / pandas.NaT

# --- d3 format strings for Altair ``format=`` (rendered with vega_locale) ----
D3_INT = ",.0f"
"""Whole number with grouping: 1911 -> "1.911" (vi) / "1,911" (en)."""
D3_DECIMAL = ",.2f"
"""Two fixed decimals: 8.04 -> "8,04" (vi) / "8.04" (en)."""
D3_PCT = ".1%"
"""Ratio as percent, one fixed decimal: 0.804 -> "80,4%", 1 -> "100,0%"."""
D3_PCT_TRIM = ".1~%"
"""Like D3_PCT but drops a trailing ",0" (1 -> "100%"); matches fmt_percent."""
D3_PCT_INT = ".0%"
"""Ratio as whole percent: 0.804 -> "80%"."""
D3_MONEY = "$,.0f"
"""Whole đồng with currency: "1.480.000.000 đồng" (vi) / "VND 1,480,000,000" (en)."""
D3_DATE_VI = "%-d/%-m/%Y"
"""Running-text date without leading zeros: "16/7/2021"; matches fmt_date(vi)."""
D3_DATE_EN = "%-d %b %Y"
"""English date: "16 Jul 2021"; matches fmt_date(en)."""
D3_MONTH_VI = "T%-m/%Y"
"""Month on a chart axis: "T11/2023"; matches fmt_month_short(vi)."""
D3_MONTH_EN = "%b %Y"
"""Month on a chart axis: "Nov 2023"; matches fmt_month_short(en)."""

_ROMAN = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)

# The words around the numbers; the numbers themselves come from Babel.
T = Catalog(
    "charts.formatting",
    {
        "pp": ("{number} điểm %", "{number} pp"),
        "dong": ("{sign}{number} đồng", "{sign}VND {number}"),
        "dong_scaled": ("{sign}{number} {unit} đồng", "{sign}VND {number} {unit}"),
        "billion": ("tỷ", "billion"),
        "million": ("triệu", "million"),
        "month": ("Tháng {month}/{year}", "{month} {year}"),
        "month_short": ("T{month}/{year}", "{month} {year}"),
        "months_across_years": (
            "Tháng {first}/{year} – tháng {last}/{end_year}",
            "{first} {year} – {last} {end_year}",
        ),
        "year": ("Năm {year}", "{year}"),
        "first_half": ("6 tháng đầu năm {year}", "H1 {year}"),
        "second_half": ("6 tháng cuối năm {year}", "H2 {year}"),
        "quarter": ("Quý {quarter}/{year}", "Q{quarter} {year}"),
        "months": ("Tháng {first}–{last}/{year}", "{first}–{last} {year}"),
    },
)

_EN_MONTHS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


# --- internal helpers ---------------------------------------------------------
def _check_lang(lang: str) -> str:
    """Return the Babel locale for ``lang`` or raise ValueError."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    return choose(lang, "vi", "en")  # not en_GB: its CLDR short month is "Sept"


def _month_name(month: int, lang: str) -> str:
    """A month inside a date text: its number in Vietnamese ("11"), "Nov" in English."""
    return choose(lang, str(month), _EN_MONTHS[month - 1])


def _to_decimal(x: object) -> Decimal | None:
    """Convert a number to an exact Decimal via its text; None if missing or not finite."""
    if x is None or type(x).__name__ in _PANDAS_MISSING:
        return None
    try:
        value = Decimal(str(x))  # str() of a float is its shortest repr: 0.1 -> "0.1"
    except InvalidOperation:
        raise TypeError(f"not a number: {x!r}") from None
    return value if value.is_finite() else None  # NaN, ±inf


def _round(value: Decimal, digits: int) -> Decimal:
    """Round half-up to ``digits`` decimals; a zero result loses its sign."""
    if digits < 0:
        raise ValueError(f"digits must be >= 0, got {digits}")
    with _precise(value, digits):
        rounded = value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return abs(rounded) if rounded == 0 else rounded


def _precise(value: Decimal, digits: int) -> AbstractContextManager[Context]:
    """A decimal context holding every digit of ``value`` rounded to ``digits`` decimals.

    The default 28 digits made 1e28 (a target in a hostile database) raise InvalidOperation in
    ``quantize``, here and inside Babel; a float has at most 309 whole digits.
    """
    return localcontext(prec=max(28, value.adjusted() + digits + 3))


def _number(
    value: Decimal,
    digits: int,
    lang: str,
    *,
    trim: Literal["none", "whole", "zeros"] = "none",
    plus: bool = False,
) -> str:
    """Round and format with Babel; trim is "none", "whole" (drop ,00 only) or "zeros"."""
    locale = _check_lang(lang)
    rounded = _round(value, digits)
    if trim == "whole" and rounded == rounded.to_integral_value():
        digits = 0
    frac = ("." + ("#" if trim == "zeros" else "0") * digits) if digits else ""
    with _precise(rounded, digits):  # Babel quantizes again, in the current context
        text = babel_numbers.format_decimal(abs(rounded), format="#,##0" + frac, locale=locale)
    if rounded < 0:
        return MINUS + text
    if plus and rounded > 0:
        return "+" + text
    return text


# --- numbers ------------------------------------------------------------------
def fmt_int(n: float | None, lang: str = "vi") -> str:
    """Whole number with thousands separators: 1911 -> "1.911" (vi) / "1,911" (en)."""
    value = _to_decimal(n)
    return MISSING if value is None else _number(value, 0, lang)


def fmt_decimal(x: float | None, digits: int = 2, lang: str = "vi") -> str:
    """Number with exactly ``digits`` decimals: 8.04 -> "8,04" (vi) / "8.04" (en)."""
    value = _to_decimal(x)
    return MISSING if value is None else _number(value, digits, lang)


def fmt_percent(ratio: float | None, digits: int = 1, lang: str = "vi") -> str:
    """Ratio as percent, whole results without decimals: 0.8041 -> "80,4%", 1.0 -> "100%"."""
    value = _to_decimal(ratio)
    if value is None:
        return MISSING
    return _number(value.scaleb(2), digits, lang, trim="whole") + "%"


def fmt_change_pp(delta_points: float | None, lang: str = "vi", digits: int = 1) -> str:
    """Signed change in percentage points: 2.5 -> "+2,5 điểm %" (vi) / "+2.5 pp" (en)."""
    value = _to_decimal(delta_points)
    if value is None:
        return MISSING
    return T("pp", lang, number=_number(value, digits, lang, trim="whole", plus=True))


def fmt_change_pct(ratio_change: float | None, lang: str = "vi", digits: int = 1) -> str:
    """Signed relative change from a ratio: 0.125 -> "+12,5%", -0.03 -> "−3%"."""
    value = _to_decimal(ratio_change)
    if value is None:
        return MISSING
    return _number(value.scaleb(2), digits, lang, trim="whole", plus=True) + "%"


# --- money --------------------------------------------------------------------
_BILLION = Decimal(1_000_000_000)
_MILLION = Decimal(1_000_000)


def fmt_money(vnd: float | None, lang: str = "vi") -> str:
    """Report-style money: "1,48 tỷ đồng", "750 triệu đồng" (en "VND 1.48 billion")."""
    # From one million up the amount is scaled to triệu/tỷ and rounded half-up to
    # at most 2 decimals, trailing zeros dropped: 14.996.000.000 -> "15 tỷ đồng"
    # (ordinary rounding, as printed reports do) and 999.996.000 -> "1 tỷ đồng"
    # rather than "1.000 triệu đồng".  Use fmt_money_full where exactness matters.
    value = _to_decimal(vnd)
    if value is None:
        return MISSING
    _check_lang(lang)
    value = _round(value, 0)
    millions = _round(value / _MILLION, 2)
    if abs(value) >= _BILLION or abs(millions) >= 1000:
        scaled, unit = _round(value / _BILLION, 2), T("billion", lang)
    elif abs(value) >= _MILLION:
        scaled, unit = millions, T("million", lang)
    else:
        return _dong(_number(value, 0, lang), lang)
    sign, number = _split_sign(_number(scaled, 2, lang, trim="zeros"))
    return T("dong_scaled", lang, sign=sign, number=number, unit=unit)


def fmt_money_full(vnd: float | None, lang: str = "vi") -> str:
    """Exact whole-đồng amount: "1.480.000.000 đồng" (vi) / "VND 1,480,000,000" (en)."""
    value = _to_decimal(vnd)
    if value is None:
        return MISSING
    return _dong(_number(value, 0, lang), lang)


def _split_sign(number: str) -> tuple[str, str]:
    """A formatted number as (minus sign or "", digits): English puts "VND" between them."""
    return (MINUS, number[1:]) if number.startswith(MINUS) else ("", number)


def _dong(number: str, lang: str) -> str:
    """Whole đồng: "−1.911 đồng" (vi) / "−VND 1,911" (en)."""
    sign, digits = _split_sign(number)
    return T("dong", lang, sign=sign, number=digits)


# --- dates and periods -----------------------------------------------------------
def fmt_date(d: date | None, lang: str = "vi") -> str:
    """Running-text date: "16/7/2021" (vi, no leading zeros) / "16 Jul 2021" (en)."""
    locale = _check_lang(lang)
    if d is None:
        return MISSING
    pattern = choose(lang, "d/M/y", "d MMM y")
    return babel_dates.format_date(d, pattern, locale=locale)


def fmt_datetime(moment: datetime | None, lang: str = "vi") -> str:
    """A moment stored in UTC, on Vietnam's clock (UTC+7, no summer time), to the second:
    "3/12/2026 22:15:05" (vi) / "3 Dec 2026 22:15:05" (en)."""
    if moment is None:
        return MISSING
    here = moment.replace(tzinfo=UTC).astimezone(VIETNAM_TIME)
    return f"{fmt_date(here.date(), lang)} {here:%H:%M:%S}"


def fmt_date_formal(d: date, place: str) -> str:
    """Decree 30/2020/NĐ-CP document date: "Quảng Tân, ngày 05 tháng 02 năm 2024"."""
    day = f"{d.day:02d}"  # days 1-9 get a leading zero
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)  # only months 1 and 2 do
    text = f"ngày {day} tháng {month} năm {d.year}"
    return f"{place.strip()}, {text}" if place.strip() else text


def roman(n: int) -> str:
    """Roman numeral for 1..3999 (quarters use 1..4: I, II, III, IV)."""
    if not 1 <= n <= 3999:
        raise ValueError(f"roman() needs 1..3999, got {n}")
    out = []
    for value, numeral in _ROMAN:
        count, n = divmod(n, value)
        out.append(numeral * count)
    return "".join(out)


def fmt_month(d: date | None, lang: str = "vi") -> str:
    """Month in text: "Tháng 11/2023" (vi) / "Nov 2023" (en)."""
    _check_lang(lang)
    if d is None:
        return MISSING
    return T("month", lang, month=_month_name(d.month, lang), year=d.year)


def fmt_month_short(d: date | None, lang: str = "vi") -> str:
    """Compact month for chart axes: "T11/2023" (vi) / "Nov 2023" (en)."""
    _check_lang(lang)
    if d is None:
        return MISSING
    return T("month_short", lang, month=_month_name(d.month, lang), year=d.year)


# Month spans of a year with a name of their own, as (first month, last month) -> message.
_NAMED_SPANS = {(1, 12): "year", (1, 6): "first_half", (7, 12): "second_half"}


def fmt_period(start: date, end: date, lang: str = "vi") -> str:
    """Name the inclusive month range start..end: "Quý III/2023", "Tháng 1–11/2023"."""
    _check_lang(lang)
    if (start.year, start.month) > (end.year, end.month):
        raise ValueError(f"period start {start} is after end {end}")
    year, first, last = start.year, start.month, end.month
    if start.year != end.year:
        return T(
            "months_across_years",
            lang,
            first=_month_name(first, lang),
            year=year,
            last=_month_name(last, lang),
            end_year=end.year,
        )
    if first == last:
        return fmt_month(start, lang)
    named = _NAMED_SPANS.get((first, last))
    if named is not None:
        return T(named, lang, year=year)
    if first % 3 == 1 and last == first + 2:
        quarter = (first + 2) // 3
        return T("quarter", lang, quarter=choose(lang, roman(quarter), str(quarter)), year=year)
    return T(
        "months", lang, first=_month_name(first, lang), last=_month_name(last, lang), year=year
    )


# --- charts (Vega-Lite / Altair) --------------------------------------------------
_VEGA_TIME_VI: dict[str, Any] = {
    "dateTime": "%H:%M:%S %-d/%-m/%Y",
    "date": D3_DATE_VI,
    "time": "%H:%M:%S",
    "periods": ["SA", "CH"],
    "days": [
        "Chủ nhật",
        "Thứ hai",
        "Thứ ba",
        "Thứ tư",
        "Thứ năm",
        "Thứ sáu",
        "Thứ bảy",
    ],
    "shortDays": ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
    "months": [f"tháng {m}" for m in range(1, 13)],
    "shortMonths": [f"Th{m}" for m in range(1, 13)],
}
_VEGA_TIME_EN: dict[str, Any] = {
    "dateTime": "%a %-d %b %Y, %H:%M:%S",
    "date": D3_DATE_EN,
    "time": "%H:%M:%S",
    "periods": ["AM", "PM"],
    "days": [
        "Sunday",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
    ],
    "shortDays": ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
    "months": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "shortMonths": list(_EN_MONTHS),
}


def vega_locale(lang: str = "vi") -> dict[str, Any]:
    """Vega-Lite ``config.locale`` (d3 number + time locale) for ``lang``."""
    locale = _check_lang(lang)
    number: dict[str, Any] = {
        "decimal": babel_numbers.get_decimal_symbol(locale),
        "thousands": babel_numbers.get_group_symbol(locale),
        "grouping": [3],
        "currency": choose(lang, ["", " đồng"], ["VND ", ""]),
        "minus": MINUS,
        "percent": "%",
        "nan": MISSING,
    }
    time = choose(lang, _VEGA_TIME_VI, _VEGA_TIME_EN)
    return {
        "number": number,
        "time": {key: list(val) if isinstance(val, list) else val for key, val in time.items()},
    }


def d3_date_format(lang: str = "vi") -> str:
    """d3 time format matching fmt_date: "%-d/%-m/%Y" (vi) / "%-d %b %Y" (en)."""
    _check_lang(lang)
    return choose(lang, D3_DATE_VI, D3_DATE_EN)


def d3_month_format(lang: str = "vi") -> str:
    """d3 time format matching fmt_month_short: "T%-m/%Y" (vi) / "%b %Y" (en)."""
    _check_lang(lang)
    return choose(lang, D3_MONTH_VI, D3_MONTH_EN)


ChartT = TypeVar("ChartT", bound=alt.TopLevelMixin)


def apply_locale(chart: ChartT, lang: str = "vi") -> ChartT:
    """Return a copy of a top-level chart with ``config.locale`` set, keeping its other config."""
    # Altair's chart.configure(...) replaces the whole config, so merge by hand;
    # reading chart.config (not chart.to_dict()) avoids serialising the data.
    current = getattr(chart, "config", alt.Undefined)
    if current is alt.Undefined:
        config: dict[str, Any] = {}
    elif isinstance(current, alt.SchemaBase):
        config = current.to_dict(validate=False)
    else:  # a plain mapping passed as Chart(config={...})
        config = dict(cast("dict[str, Any]", current))
    config["locale"] = vega_locale(lang)
    return cast("ChartT", chart.configure(**config))
