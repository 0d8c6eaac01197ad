"""KPI tiles and indicator formatting shared by the overview, commune and briefing pages."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from charts.formatting import (
    fmt_change_pp,
    fmt_int,
    fmt_money,
    fmt_percent,
)
from data_access.indicators import BY_CODE, Indicator
from i18n import choose

from .i18n import t

TILES_PER_ROW = 3  # values like "14,83 tỷ đồng" need a third of a 1024 px tablet to show whole


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


def tiles(head: pd.DataFrame, codes: list[str], lang: str) -> None:
    """One st.metric per indicator code, with the change vs last year and the target below."""
    rows = head.set_index("code")
    for start in range(0, len(codes), TILES_PER_ROW):
        columns = st.columns(TILES_PER_ROW)
        for column, code in zip(columns, codes[start : start + TILES_PER_ROW], strict=False):
            ind, row = BY_CODE[code], rows.loc[code]
            with column.container(border=True, key=f"tile_{code}"):
                st.metric(
                    ind.label(lang),
                    fmt_value(ind, row["value"], lang),
                    delta=fmt_change(ind, row["change"], lang),
                    delta_color="normal" if ind.higher_is_better else "off",
                    help=f"{choose(lang, ind.rule_vi, ind.label_en)} ({t('vs_last_year', lang)})",
                )
                if not _missing(row["target"]):
                    st.caption(
                        f"{t('target', lang)}: {fmt_value(ind, row['target'], lang)}"
                        f" · {fmt_meets(row['meets_target'], lang)}"
                    )
