"""Tổng quan: headline indicators against target and last year; communes compared."""

import pandas as pd
import streamlit as st

from data_access.filters import Filters
from data_access.indicators import BY_CODE, INDICATORS, commune_scorecard, headline
from i18n import Catalog
from ui import data
from ui.downloads import download_buttons
from ui.filters import drill_to, params_for
from ui.i18n import t
from ui.page import setup
from ui.tiles import fmt_meets, fmt_value, tiles

ROW_HEIGHT = 44  # a finger-sized row (44 px touch target) for tap-to-drill on a tablet
T = Catalog(
    "pages.overview",
    {
        "tap_hint": (
            "Chạm vào một dòng để xem số liệu riêng của xã đó.",
            "Tap a row to see that commune's own figures.",
        ),
    },
)
# The indicator domains, in the page's order, with the message heading each.
DOMAINS = (
    ("coverage", "domain_coverage"),
    ("housing", "domain_housing"),
    ("training", "domain_training"),
    ("payouts", "domain_payouts"),
)


def table_key(filters: Filters) -> str:
    """A widget key for the commune table that is new each time the filters change.

    A selection outlives its widget in the browser: reusing a key (say, after clearing the
    commune filter back to the whole district) brings the old tap back, which would drill
    again. A fresh key per change of filters means every tap acts exactly once.
    """
    ss, seen = st.session_state, params_for(filters)
    if ss.get("_overview_filters") != seen:
        ss["_overview_filters"] = seen
        ss["_overview_table_gen"] = ss.get("_overview_table_gen", 0) + 1
    return f"overview_communes_{ss['_overview_table_gen']}"


page = setup("overview_title")
lang, filters, scope = page.lang, page.filters, page.scope

head = data.run(headline, filters, scope)
if head["numerator"].sum() == 0:
    st.info(t("empty", lang))
    st.stop()

for domain, heading in DOMAINS:
    st.subheader(t(heading, lang))
    tiles(head, [i.code for i in INDICATORS if i.domain == domain], lang)

st.subheader(t("commune_table", lang))
card = data.run(commune_scorecard, filters, scope)
codes = [i.code for i in INDICATORS]
shown = card.pivot(index=["unit_code", "unit_name"], columns="code", values="value")[codes]
meets = card.pivot(index=["unit_code", "unit_name"], columns="code", values="meets_target")[codes]
labels = {c: f"{c} · {BY_CODE[c].label(lang)}" for c in codes}
commune = t("commune", lang)
display = pd.DataFrame(
    {
        commune: [name for _, name in shown.index],
        **{labels[c]: [fmt_value(BY_CODE[c], v, lang) for v in shown[c]] for c in codes},
    }
)
colours = pd.DataFrame(
    {
        commune: "",
        **{
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
    },
    index=display.index,
)
# Tapping a row (its marker or any cell, the commune's name included) narrows every figure on
# the page to that commune.
picked = st.dataframe(
    display.style.apply(lambda _: colours, axis=None),
    width="stretch",
    height="content",  # every commune at once; a wide table scrolls sideways, inside itself
    row_height=ROW_HEIGHT,
    hide_index=True,
    column_config={commune: st.column_config.TextColumn(pinned=True)},
    on_select="rerun",
    selection_mode=["single-row", "single-cell"],
    key=table_key(filters),
)
tapped = [*picked.selection.rows, *(row for row, _ in picked.selection.cells)]
if tapped and len(shown.index) > 1:
    drill_to(communes=[shown.index[tapped[0]][0]])
hint = f" {T('tap_hint', lang)}" if len(shown.index) > 1 else ""
st.caption(t("legend_bands", lang) + hint)

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
