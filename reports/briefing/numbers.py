"""Numbers as the briefing prints them: values in their unit, changes, counts in running text.

Shared by the prose, the lagging communes and the tables. A hidden cell prints its marker;
a change is printed only between two shown numbers, so it cannot give a hidden one away.
"""

from __future__ import annotations

from charts.formatting import (
    MINUS,
    fmt_change_pct,
    fmt_change_pp,
    fmt_int,
    fmt_money,
    fmt_percent,
)
from data_access.indicators import BY_CODE, Indicator
from i18n import Catalog, choose

from ..suppression import PRIMARY, THRESHOLD
from .model import Cell, Figure

RELATIVE_FROM = 100  # below this a change reads better as "tăng 2 hộ" than as "tăng 50%"
EN_SINGULAR = {"classes": "class", "beneficiaries": "beneficiary"}  # not just less an "s"

T = Catalog(
    "reports.briefing.numbers",
    {
        "up": ("tăng {x}", "up {x}"),
        "down": ("giảm {x}", "down {x}"),
        "flat": ("không đổi", "unchanged"),
        "fewer_than": ("dưới {n}", "fewer than {n}"),
        "dong": ("đồng", "VND"),
    },
)


def fmt_number(unit: str, value: float | None, lang: str, word: str = "") -> str:
    """A value in its unit: "100%", "1.911 đối tượng", "1,48 tỷ đồng"."""
    if value is None:
        return "—"
    if unit == "percent":
        return fmt_percent(value, 1, lang)
    if unit == "money":
        return fmt_money(round(value), lang)
    return f"{fmt_int(value, lang)} {word}".strip()


def inflect(plural: str, value: float | None) -> str:
    """An English noun for ``value`` things: its last word singular for one ("1 new build")."""
    if value != 1 or not plural:
        return plural
    *head, last = plural.split()
    return " ".join([*head, EN_SINGULAR.get(last, last.removesuffix("s"))])


def unit_word(ind: Indicator, lang: str, value: float | None = None) -> str:
    """What an indicator counts: "hộ", "lượt"; English "household" for one, else plural."""
    return choose(lang, ind.unit_vi, inflect(ind.unit_en, value))


def unit_label(fig: Figure, lang: str) -> str:
    """The "Đơn vị tính" of a figure: "%", "đồng", "hộ", "lượt"."""
    if fig.unit == "percent":
        return "%"
    if fig.unit == "money":
        return T("dong", lang)
    return unit_word(BY_CODE[fig.code], lang)


def fmt_cell(unit: str, cell: Cell, lang: str, word: str = "") -> str:
    """A table cell: the marker when hidden ("<5", "x"), else the formatted value."""
    if cell.marker is not None:
        return cell.marker
    return fmt_number(unit, cell.value, lang, word)


def change(fig: Figure, base: Cell | None) -> tuple[str, float] | None:
    """("points" | "relative" | "absolute", amount) or None when it may not be shown."""
    if base is None or not base.shown or not fig.value.shown:
        return None
    now, before = fig.value.value, base.value
    assert now is not None and before is not None
    if fig.unit == "percent":
        return "points", now - before
    if before > 0 and (fig.unit == "money" or before >= RELATIVE_FROM):
        return "relative", now / before - 1
    return "absolute", now - before


def fmt_change(fig: Figure, base: Cell | None, lang: str, with_unit: bool = True) -> str:
    """The change from ``base`` to the figure's value, signed: "+9,9%", "−2 hộ", "+1,4 điểm %".

    Shown only when both numbers are shown (a difference must not reveal a hidden cell).
    ``with_unit=False`` leaves out the counted noun ("−2"), for a table with a unit column.
    """
    found = change(fig, base)
    if found is None:
        return "—"
    kind, amount = found
    if kind == "points":
        return fmt_change_pp(amount * 100, lang)
    if kind == "relative":
        return fmt_change_pct(amount, lang)
    if amount == 0:
        return "0"
    sign = "+" if amount > 0 else MINUS
    word = unit_word(BY_CODE[fig.code], lang, abs(amount)) if with_unit else ""
    return sign + fmt_number(fig.unit, abs(amount), lang, word)


def trend(fig: Figure, base: Cell | None, lang: str) -> str | None:
    """ "tăng 9,9%" / "giảm 2 hộ" / "không đổi", or None when it may not be shown."""
    found = change(fig, base)
    if found is None:
        return None
    kind, amount = found
    if kind == "points":
        magnitude = fmt_change_pp(abs(amount) * 100, lang)
    elif kind == "relative":
        magnitude = fmt_change_pct(abs(amount), lang)
    else:
        word = unit_word(BY_CODE[fig.code], lang, abs(amount))
        magnitude = ("+" if amount else "") + fmt_number(fig.unit, abs(amount), lang, word)
    if not magnitude.startswith("+"):  # rounds to zero: "0%", "0 điểm %", "0 hộ"
        return T("flat", lang)
    x = magnitude.removeprefix("+")
    return T("up", lang, x=x) if amount > 0 else T("down", lang, x=x)


def in_text(fig: Figure, cell: Cell | None, lang: str) -> str | None:
    """A figure inside a sentence: "13 hộ", "dưới 5 hộ" for "<5"; None when hidden as "x"."""
    if cell is None or cell.value is None:
        return None
    word = unit_word(BY_CODE[fig.code], lang, cell.value if cell.marker is None else None)
    if cell.marker == PRIMARY:
        return f"{T('fewer_than', lang, n=THRESHOLD)} {word}".strip()
    if cell.marker is not None:
        return None
    return fmt_number(fig.unit, cell.value, lang, word)


def counted(fig: Figure, cell: Cell, noun: str, lang: str) -> str:
    """A count and what it counts, in running text: "13 hộ xây mới", "1 new build", "dưới 5 …".

    Vietnamese puts the indicator's unit word between the number and the noun and never
    inflects; English drops the unit word and inflects the noun. ``cell`` is shown or "<5".
    """
    if cell.marker == PRIMARY:
        number = T("fewer_than", lang, n=THRESHOLD)
    else:
        number = fmt_int(cell.value or 0, lang)
    unit = BY_CODE[fig.code].unit_vi
    words = choose(
        lang, f"{unit} {noun}".strip(), inflect(noun, None if cell.marker else cell.value)
    )
    return f"{number} {words}"
