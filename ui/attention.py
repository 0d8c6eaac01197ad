"""The overview's "Cần chú ý" panel: the indicators below target or behind the year's pace, for
the selection and its communes (``data_access.attention``), in a few lines a leader reads first.
"""

from __future__ import annotations

import streamlit as st

from charts.formatting import fmt_int, fmt_money, fmt_percent, fmt_period
from data_access.attention import BEHIND_PACE, Attention, Lag
from data_access.indicators import BY_CODE, Indicator
from i18n import Catalog

from .text import plain
from .tiles import fmt_value

ATTENTION_HEIGHT = 300  # px: beside a row of tiles on a 1024x768 screen; a longer list scrolls
T = Catalog(
    "ui.attention",
    {
        "title": ("Cần chú ý", "Needs attention"),
        "pace": (
            "Tiến độ cần đạt: {pace} chỉ tiêu năm sau {months} tháng ({period}).",
            "Expected by now: {pace} of the annual target after {months} months ({period}).",
        ),
        "pace_full": (
            "Năm {year} đã qua: so với cả chỉ tiêu năm.",
            "{year} is over: judged against the whole annual target.",
        ),
        "rule_rate": ("dưới chỉ tiêu {target}", "below the {target} target"),
        "rule_pace": ("chậm tiến độ", "behind pace"),
        "rule_year": ("chưa đạt chỉ tiêu năm", "annual target not met"),
        "rate_item": ("{name}: {value}", "{name}: {value}"),
        "count_item": (
            "{name}: {reached}/{target} ({share})",
            "{name}: {reached}/{target} ({share})",
        ),
        "none": (
            "Không có chỉ tiêu nào dưới chỉ tiêu hoặc chậm tiến độ.",
            "No indicator is below target or behind pace.",
        ),
    },
)


def pace_line(found: Attention, lang: str) -> str:
    """The pace the counts are judged by: "75% chỉ tiêu năm sau 9 tháng (Tháng 1–9/2023)"."""
    done = found.year_to_date
    if found.pace >= 1:
        return T("pace_full", lang, year=done.end.year)
    return T(
        "pace",
        lang,
        pace=fmt_percent(found.pace, 1, lang),
        months=done.month_count,
        period=fmt_period(done.start, done.end, lang),
    )


def rule_text(ind: Indicator, lag: Lag, lang: str) -> str:
    """Why the indicator is listed: below its rate, behind pace, or short of the year's target."""
    if ind.unit == "percent":
        return T("rule_rate", lang, target=fmt_value(ind, lag.target, lang))
    return T("rule_pace" if lag.rule == BEHIND_PACE else "rule_year", lang)


def item_text(ind: Indicator, lag: Lag, where: str, lang: str) -> str:
    """One place that lags, Markdown-safe: "Xã Quảng Lâm: 140/226 lượt (61,9%)"."""
    name = plain(lag.unit_name or where)
    if ind.unit == "percent":
        return T("rate_item", lang, name=name, value=fmt_value(ind, lag.value, lang))
    reached = fmt_money(lag.value, lang) if ind.unit == "money" else fmt_int(lag.value, lang)
    return T(
        "count_item",
        lang,
        name=name,
        reached=reached,
        target=fmt_value(ind, lag.target, lang),
        share=fmt_percent(lag.share, 1, lang),
    )


def attention_panel(found: Attention, where: str, lang: str) -> None:
    """The panel (a bordered container keyed "attention"): one line per lagging indicator and
    the places behind it; ``where`` names the selection as a whole ("Toàn huyện")."""
    with st.container(border=True, key="attention", height=ATTENTION_HEIGHT):
        st.markdown(f"**{T('title', lang)}**")
        st.caption(pace_line(found, lang))
        if not found.lags:
            st.markdown(T("none", lang))
            return
        for code in found.codes():
            ind = BY_CODE[code]
            lags = [lag for lag in found.lags if lag.code == code]
            items = " · ".join(item_text(ind, lag, where, lang) for lag in lags)
            st.markdown(f"**{ind.label(lang)}** — {rule_text(ind, lags[0], lang)}  \n{items}")
