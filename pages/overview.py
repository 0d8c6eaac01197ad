"""Tổng quan: what needs attention first, then every indicator against target and last year,
then the communes compared."""

import pandas as pd
import streamlit as st

from data_access.areas import area_path, area_scorecard
from data_access.attention import attention
from data_access.filters import Filters
from data_access.indicators import INDICATORS, headline
from data_access.overview import OverviewFigures, overview_figures
from i18n import Catalog
from ui import data
from ui.attention import attention_panel
from ui.downloads import download_buttons
from ui.filters import drill_to, params_for, scope_label, widen_to
from ui.guard import left_out, section
from ui.i18n import t
from ui.page import setup
from ui.scorecard import commune_table
from ui.text import plain
from ui.tiles import TileContext, tile, tile_context, tiles

ROW_HEIGHT = 44  # a finger-sized row (44 px touch target) for tap-to-drill on a tablet
# The first screen (1024x768 without scrolling): the attention list, and beside it the two
# figures that move every month — who receives the monthly allowance and what was paid.
HEADLINE = ("F14", "F15")
FIRST_ROW = [3, 2, 2]  # the attention list is widest; a tile keeps "14,83 tỷ đồng" on a line
T = Catalog(
    "pages.overview",
    {
        "tap_hint": (
            "Chạm vào một dòng để xem số liệu riêng của xã đó.",
            "Tap a row to see that commune's own figures.",
        ),
        "tap_hint_province": (
            "Chạm vào một dòng để xem các huyện, xã của tỉnh đó.",
            "Tap a row to see that province's districts or communes.",
        ),
        "tap_hint_district": (
            "Chạm vào một dòng để xem các xã, thị trấn của huyện đó.",
            "Tap a row to see that district's communes.",
        ),
        "up_to": ("↑ {name}", "↑ {name}"),
        "up_to_all": ("↑ Toàn bộ phạm vi", "↑ Everything you may see"),
    },
)
# The indicator domains below the first screen, in the page's order, with the message heading
# each; the payouts' two figures are the headline tiles of the first screen.
DOMAINS = (
    ("coverage", "domain_coverage"),
    ("housing", "domain_housing"),
    ("training", "domain_training"),
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
left_out(page)  # records with impossible values: how many, not silently


def figures() -> OverviewFigures:
    # One cached result for the three tables: they share the period's measures (read once).
    return data.run(overview_figures, filters, scope)


def head() -> pd.DataFrame:
    # A part the bundle could not compute is asked for alone: its error shows in its section.
    found = figures().headline
    return found if found is not None else data.run(headline, filters, scope)


# Each part below is a section (ui.guard): a value it cannot use shows a notice in its place.
with section(lang):
    if head()["numerator"].sum() == 0:
        st.info(t("empty", lang))
        st.stop()

context: TileContext | None = None
with section(lang):
    context = tile_context(page)
first, *beside = st.columns(FIRST_ROW)
with first, section(lang):
    where = scope_label(filters, page.names, scope, lang, areas=page.areas)
    found = figures().attention
    if found is None:
        found = data.run(attention, filters, scope)
    attention_panel(found, where, lang)
for column, code in zip(beside, HEADLINE, strict=True):
    with column, section(lang):
        tile(head(), code, context or tile_context(page))

for domain, heading in DOMAINS:
    st.subheader(t(heading, lang))
    with section(lang):
        tiles(head(), [i.code for i in INDICATORS if i.domain == domain], page, context)

with section(lang):
    path = data.run(area_path, filters, scope)
    if path:  # the way back up the tree, above the table the taps went down to
        ups = st.columns(len(path) + 1)
        ups[0].button(T("up_to_all", lang), on_click=widen_to, args=(None,), key="up_all")
        for column, (code, name) in zip(ups[1:], path, strict=True):
            if code != filters.area or filters.communes:
                column.button(
                    T("up_to", lang, name=plain(name)),  # a name from the database: no Markdown
                    on_click=widen_to,
                    args=(code,),
                    key=f"up_{code}",
                )

with section(lang):
    card = figures().scorecard
    if card is None:
        card = data.run(area_scorecard, filters, scope)
    level = str(card["level"].iloc[0]) if len(card) else "commune"
    st.subheader(t(f"{level}_table", lang))
    table = commune_table(card.drop(columns=["level"]), lang, level)
    # Tapping a row (its marker or any cell, the commune's name included) narrows every figure
    # on the page to that commune.
    picked = st.dataframe(
        table.shown.style.apply(lambda _: table.colours, axis=None),
        width="stretch",
        height="content",  # every commune at once; a wide table scrolls sideways, inside itself
        row_height=ROW_HEIGHT,
        hide_index=True,
        column_config={t(level, lang): st.column_config.TextColumn(pinned=True)},
        on_select="rerun",
        selection_mode=["single-row", "single-cell"],
        key=table_key(filters),
    )
    tapped = [*picked.selection.rows, *(row for row, _ in picked.selection.cells)]
    if tapped and len(table.codes) > 1:
        code = table.codes[tapped[0]]
        if level == "commune":
            drill_to(communes=[code])
        else:
            drill_to(area=code)
    hint_key = "tap_hint" if level == "commune" else f"tap_hint_{level}"
    hint = f" {T(hint_key, lang)}" if len(table.codes) > 1 else ""
    st.caption(t("legend_bands", lang) + hint)
    # The files hold the table on screen: its headers, its rows, the numbers behind its cells.
    download_buttons(table.numbers, "tong-quan-xa", lang, key="overview_table")
