"""Tổng quan: headline indicators against target and last year; communes compared."""

import pandas as pd
import streamlit as st

from data_access.indicators import BY_CODE, INDICATORS, commune_scorecard, headline
from ui import data
from ui.downloads import download_buttons
from ui.i18n import t
from ui.page import setup
from ui.tiles import fmt_meets, fmt_value, tiles

page = setup("overview_title")
lang, filters, scope = page.lang, page.filters, page.scope

head = data.run(headline, filters, scope)
if head["numerator"].sum() == 0:
    st.info(t("empty", lang))
    st.stop()

for domain in ("coverage", "housing", "training", "payouts"):
    st.subheader(t(f"domain_{domain}", lang))
    tiles(head, [i.code for i in INDICATORS if i.domain == domain], lang)

st.subheader(t("commune_table", lang))
card = data.run(commune_scorecard, filters, scope)
codes = [i.code for i in INDICATORS]
shown = card.pivot(index=["unit_code", "unit_name"], columns="code", values="value")[codes]
meets = card.pivot(index=["unit_code", "unit_name"], columns="code", values="meets_target")[codes]
labels = {c: f"{c} · {BY_CODE[c].label(lang)}" for c in codes}
display = pd.DataFrame(
    {labels[c]: [fmt_value(BY_CODE[c], v, lang) for v in shown[c]] for c in codes},
    index=[name for _, name in shown.index],
)
display.index.name = t("commune", lang)
colours = pd.DataFrame(
    {
        labels[c]: [
            "background-color: #d8f3dc"
            if m is True
            else "background-color: #ffd6d6"
            if m is False
            else ""
            for m in meets[c]
        ]
        for c in codes
    },
    index=display.index,
)
st.dataframe(display.style.apply(lambda _: colours, axis=None), width="stretch")
st.caption(t("legend_bands", lang))

export = card.assign(meets_target=[fmt_meets(m, lang) for m in card["meets_target"]])
export = export.rename(
    columns={
        "code": t("indicator", lang),
        "unit_code": "ma_xa",
        "unit_name": t("commune", lang),
        "value": t("value", lang),
        "target": t("target", lang),
    }
)
download_buttons(export, "tong-quan-xa", lang, key="overview_table")
