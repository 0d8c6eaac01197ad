"""KPI tiles and indicator formatting shared by the overview, topic, commune and briefing pages.

A tile says which way its figure moved and whether that is good, without a sign to decode:
the arrow follows the change (none when the change shows as zero), the colour follows the
indicator (green when it moved the way it should, red when not, grey when neither way is better),
and beside the change stands what it is compared with. Below: the target, the whole district's
figure when the tile shows less than the district, and the last quarters as a small line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pandas as pd
import streamlit as st

from charts.formatting import (
    fmt_change_pp,
    fmt_int,
    fmt_money,
    fmt_percent,
    fmt_period,
)
from data_access.filters import DistrictTotalsNotAllowedError, Scope
from data_access.indicators import BY_CODE, Indicator, compared_period, district_totals
from data_access.organisation import whole_area
from data_access.trends import quarterly
from i18n import choose

from . import data
from .i18n import t
from .text import plain

if TYPE_CHECKING:
    from .page import Page

TILES_PER_ROW = 3  # values like "14,83 tỷ đồng" need a third of a 1024 px tablet to show whole
PP_SHOWN = 0.05  # a rate's change under 0.05 percentage points shows as "0,0": no change
COUNT_SHOWN = 0.5  # a count's or amount's change under 0.5 rounds to 0: no change

# Two rules of the tablet stylesheet (ui/style.py), injected with the tiles until they move
# there. What a change is compared with must be read whole: Streamlit cuts the delta's
# description with an ellipsis ("so với cùng k…") where the tile is narrow; here it wraps under
# the change. And the small line's hover layer (an empty SVG group Streamlit marks as a graphic
# without a name: axe-core's "svg-img-alt", serious) is not drawn: a tablet has no hover, and
# the tile's value and change say in words what the line shows.
TILE_CSS = """
[data-testid="stMetricDeltaDescription"] .stMarkdownEllipsis,
[data-testid="stMetricDeltaDescription"] p {
  white-space: normal;
  overflow: visible;
  text-overflow: clip;
}
[data-testid="stMetric"] div:has(> [data-testid="stMetricDeltaDescription"]) {
  flex-wrap: wrap;
  row-gap: 0.25rem;
}
[data-testid="stMetricChart"] g[class*="_highlighted_points_marks"] {
  display: none;
}
"""

Arrow = Literal["up", "down", "off"]
Colour = Literal["green", "red", "gray"]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_value(ind: Indicator, value: float | None, lang: str) -> str:
    """An indicator's value in its unit: 100%, 3.127 lượt, 1,48 tỷ đồng."""
    if _missing(value):
        return "—"
    assert value is not None
    if ind.unit == "percent":
        return fmt_percent(value, 1, lang)
    if ind.unit == "money":
        return fmt_money(round(value), lang)
    unit = ind.counted(lang)
    return f"{fmt_int(value, lang)} {unit}".strip()


def fmt_change(ind: Indicator, change: float | None, lang: str) -> str | None:
    """The change against the same period last year: +2,5 điểm %, +4, −685 triệu đồng."""
    if _missing(change):
        return None
    assert change is not None
    if ind.unit == "percent":
        return fmt_change_pp(change * 100, lang)
    sign = "+" if change > 0 else ""
    if ind.unit == "money":
        return sign + fmt_money(round(change), lang)
    return sign + fmt_int(change, lang)


def fmt_meets(meets: object, lang: str) -> str:
    """Đạt / Chưa đạt / — for a target judgement."""
    if meets is True:
        return t("meets", lang)
    if meets is False:
        return t("below", lang)
    return t("no_target", lang)


@dataclass(frozen=True)
class Change:
    """How a tile shows its change: the text, the arrow and the colour (st.metric's terms)."""

    text: str | None  # None: no change to show (no figure last year)
    arrow: Arrow
    colour: Colour


def change_shown(ind: Indicator, change: float | None, lang: str) -> Change:
    """The change as read: a fall points down, no change (as rounded on screen) has no arrow,
    and the colour says whether the move is good for this indicator.

    The arrow is set explicitly: Streamlit reads a delta's direction from a leading "-", and
    the figures are written with the typographic minus "−", which it took for a rise.
    """
    if _missing(change):
        return Change(None, "off", "gray")
    assert change is not None
    step = change * 100 if ind.unit == "percent" else change
    if abs(step) < (PP_SHOWN if ind.unit == "percent" else COUNT_SHOWN):
        return Change(t("unchanged", lang), "off", "gray")
    arrow: Arrow = "up" if change > 0 else "down"
    if ind.higher_is_better is None:
        return Change(fmt_change(ind, change, lang), arrow, "gray")
    good = (change > 0) == ind.higher_is_better
    return Change(fmt_change(ind, change, lang), arrow, "green" if good else "red")


@dataclass(frozen=True)
class TileContext:
    """What every tile of a page shares: the comparison named, the district, the trends."""

    lang: str
    compared: str  # beside the change: "so với cùng kỳ năm 2022"
    compared_help: str  # behind the "?": the exact months compared with
    district: dict[str, float | None] | None  # code -> the whole district's value; None: not shown
    trend: dict[str, list[float]]  # code -> the last whole quarters' values, oldest first
    trend_help: str  # what the small line shows, or ""
    area: str = ""  # the whole area as the data names it: "Toàn huyện", "Toàn tỉnh"


def tile_context(page: Page) -> TileContext:
    """The comparison, the district's figures (when the page shows less than the district and
    the scope may see them) and the trends, for the tiles of ``page``."""
    st.html(f"<style>{TILE_CSS}</style>")
    lang, filters, scope = page.lang, page.filters, page.scope
    before = compared_period(filters.period, page.data_range.as_of)
    if before.start.year == before.end.year:
        compared = t("vs_same_months", lang, year=before.start.year)
    else:
        compared = t("vs_period", lang, period=fmt_period(before.start, before.end, lang))
    district, area = None, ""
    if filters.communes or filters.area or scope.communes is not None:
        try:
            whole = data.run(district_totals, filters, scope)
            district = dict(zip(whole["code"], whole["value"], strict=True))
            everything = filters.with_communes(()).with_area(None)
            area = data.run(whole_area, everything, Scope.everything()).label(lang)
        except DistrictTotalsNotAllowedError:
            district = None
    trends = data.run(quarterly, filters, scope)
    # A quarter without a value (a share of nothing) would draw as zero: no line then.
    trend = {
        str(code): [float(v) for v in group["value"]]
        for code, group in trends.groupby("code", sort=False)
        if not any(_missing(v) for v in group["value"])
    }
    trend_help = ""
    if len(trends):
        first, last = min(trends["quarter"]), max(trends["quarter"])
        trend_help = t(
            "trend_help",
            lang,
            first=fmt_period(first, first.replace(month=first.month + 2), lang),
            last=fmt_period(last, last.replace(month=last.month + 2), lang),
        )
    period = fmt_period(before.start, before.end, lang)
    return TileContext(
        lang, compared, t("compared_with", lang, period=period), district, trend, trend_help, area
    )


def tile(head: pd.DataFrame, code: str, context: TileContext) -> None:
    """One indicator's tile (a bordered container keyed ``tile_<code>``) where it is called."""
    lang = context.lang
    ind, row = BY_CODE[code], head.set_index("code").loc[code]
    change = change_shown(ind, row["change"], lang)
    rule = choose(lang, ind.rule_vi, ind.label_en)
    notes = [context.compared_help, context.trend_help]
    with st.container(border=True, key=f"tile_{code}"):
        st.metric(
            ind.label(lang),
            fmt_value(ind, row["value"], lang),
            delta=change.text,
            delta_color=change.colour,
            delta_arrow=change.arrow,
            delta_description=context.compared if change.text else None,
            help=" ".join([rule, *(n for n in notes if n)]),
            chart_data=context.trend.get(code) or None,
        )
        if not _missing(row["target"]):
            st.caption(
                f"{t('target', lang)}: {fmt_value(ind, row['target'], lang)}"
                f" · {fmt_meets(row['meets_target'], lang)}"
            )
        if context.district is not None and code in context.district:
            whole = fmt_value(ind, context.district[code], lang)
            st.caption(plain(t("area_figure", lang, area=context.area, value=whole)))


def tiles(
    head: pd.DataFrame, codes: list[str], page: Page, context: TileContext | None = None
) -> None:
    """One tile per indicator code, TILES_PER_ROW to a row (``context``: a page drawing
    several groups of tiles makes it once)."""
    context = context or tile_context(page)
    for start in range(0, len(codes), TILES_PER_ROW):
        columns = st.columns(TILES_PER_ROW)
        for column, code in zip(columns, codes[start : start + TILES_PER_ROW], strict=False):
            with column:
                tile(head, code, context)
