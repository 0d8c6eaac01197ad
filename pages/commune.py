"""Xã: one commune's indicators beside the district's and beside its own previous period."""

import pandas as pd
import streamlit as st

from charts.formatting import fmt_period
from data_access.filters import Filters
from data_access.indicators import INDICATORS, district_totals, headline
from i18n import Catalog
from ui import data
from ui.downloads import download_buttons
from ui.filters import drill_to
from ui.page import setup
from ui.tiles import fmt_change, fmt_meets, fmt_value

T = Catalog(
    "pages.commune",
    {
        "choose": ("Chọn một xã, thị trấn để xem", "Choose a commune to view"),
        "pick_one": (
            "Trang này xem từng xã: hãy chọn một xã, thị trấn ở bộ lọc hoặc ở đây.",
            "This page shows one commune at a time: pick one in the filters or here.",
        ),
        "indicator": ("Chỉ tiêu", "Indicator"),
        "commune": ("Xã", "Commune"),
        "previous": ("Kỳ trước", "Previous period"),
        "change": ("Thay đổi", "Change"),
        "district": ("Toàn huyện", "District"),
        "target": ("Chỉ tiêu năm", "Annual target"),
        "judged": ("Đánh giá", "Assessment"),
        "heading": ("{commune} — {period}", "{commune} — {period}"),
        "note": (
            "Kỳ trước: {previous}. Toàn huyện: tổng của tất cả các xã, thị trấn trong cùng kỳ.",
            "Previous period: {previous}. District: all communes over the same period.",
        ),
    },
)


page = setup("nav_commune")
lang, filters, scope, names = page.lang, page.filters, page.scope, page.names

if len(filters.communes) != 1:
    st.info(T("pick_one", lang))
    choice = st.selectbox(
        T("choose", lang),
        options=list(names),
        index=None,
        format_func=lambda c: names.get(c, c),
        key="commune_pick",
    )
    if choice:
        drill_to(communes=[choice])
    st.stop()

code = filters.communes[0]
previous = filters.period.previous()
mine = data.run(headline, filters, scope)
before = data.run(headline, filters.with_period(previous), scope)
district = data.run(district_totals, Filters(filters.period, (), filters.version), scope)

st.subheader(
    T(
        "heading",
        lang,
        commune=names.get(code, code),
        period=fmt_period(filters.period.start, filters.period.end, lang),
    )
)
rows = []
for ind in INDICATORS:
    now = mine.loc[mine["code"] == ind.code].iloc[0]
    then = before.loc[before["code"] == ind.code].iloc[0]
    whole = district.loc[district["code"] == ind.code].iloc[0]
    change = (
        now["value"] - then["value"]
        if now["value"] is not None and then["value"] is not None
        else None
    )
    rows.append(
        {
            T("indicator", lang): ind.label(lang),
            T("commune", lang): fmt_value(ind, now["value"], lang),
            T("previous", lang): fmt_value(ind, then["value"], lang),
            T("change", lang): fmt_change(ind, change, lang) or "—",
            T("district", lang): fmt_value(ind, whole["value"], lang),
            T("target", lang): fmt_value(ind, now["target"], lang),
            T("judged", lang): fmt_meets(now["meets_target"], lang),
        }
    )
table = pd.DataFrame(rows)
st.dataframe(table, hide_index=True, width="stretch")
st.caption(T("note", lang, previous=fmt_period(previous.start, previous.end, lang)))
download_buttons(table, f"xa-{code}", lang, key="commune_table")
