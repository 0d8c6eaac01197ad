"""The overview's commune table: one frame with Vietnamese headers, shown formatted on screen
(each cell coloured by its target) and written as numbers to the CSV and Excel files."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from data_access.indicators import BY_CODE, INDICATORS, Indicator

from .i18n import t
from .tiles import fmt_value

MEETS_COLOUR = "background-color: #d8f3dc"  # green: meets the target
BELOW_COLOUR = "background-color: #ffd6d6"  # red: below the target


@dataclass(frozen=True)
class CommuneTable:
    """The commune table in its two renderings, with the communes' codes for a tapped row."""

    numbers: pd.DataFrame  # for the files: rates as ratios, counts and money whole
    shown: pd.DataFrame  # for the screen: the same headers, formatted cells
    colours: pd.DataFrame  # CSS per cell of ``shown``
    codes: list[str]  # the communes' codes, row by row


def header(ind: Indicator, lang: str) -> str:
    """A column, on screen and in the files: "F2 · Lượt … (lượt)", "F9 · … (đồng)"; a rate's
    ends in "%" (``ui.downloads`` writes that column as a percentage)."""
    if ind.unit == "percent":
        return f"{ind.code} · {ind.label(lang)} %"
    unit = t("dong", lang) if ind.unit == "money" else ind.counted(lang)
    return f"{ind.code} · {ind.label(lang)} ({unit})"


def number(ind: Indicator, value: float | None) -> float | int | None:
    """A cell of the files: a rate as its ratio, a count or an amount of money whole."""
    if value is None or pd.isna(value):
        return None
    return float(value) if ind.unit == "percent" else round(value)


def shown(ind: Indicator, value: float | None, lang: str) -> str:
    """A cell on screen: the unit is in the header, except money's scale ("1,48 tỷ đồng")."""
    text = fmt_value(ind, value, lang)
    unit = ind.counted(lang)
    return text.removesuffix(f" {unit}") if unit else text


def _colour(meets: object) -> str:
    return MEETS_COLOUR if meets is True else BELOW_COLOUR if meets is False else ""


def commune_table(card: pd.DataFrame, lang: str, level: str = "commune") -> CommuneTable:
    """The table of ``indicators.commune_scorecard`` (or ``areas.area_scorecard``): a row per
    commune (province, district: ``level``), a column per indicator."""
    codes = [i.code for i in INDICATORS]
    index = ["unit_code", "unit_name"]
    values = card.pivot(index=index, columns="code", values="value")[codes]
    meets = card.pivot(index=index, columns="code", values="meets_target")[codes]
    commune = t(level, lang)
    names = [name for _, name in values.index]
    headers = {c: header(BY_CODE[c], lang) for c in codes}
    numbers = pd.DataFrame(
        {commune: names, **{headers[c]: [number(BY_CODE[c], v) for v in values[c]] for c in codes}}
    )
    screen = pd.DataFrame(
        {
            commune: names,
            **{headers[c]: [shown(BY_CODE[c], v, lang) for v in values[c]] for c in codes},
        }
    )
    colours = pd.DataFrame(
        {commune: "", **{headers[c]: [_colour(m) for m in meets[c]] for c in codes}},
        index=screen.index,
    )
    return CommuneTable(numbers, screen, colours, [str(code) for code, _ in values.index])
