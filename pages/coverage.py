"""Bao phủ: elderly health insurance and check-ups, children's support, child-protection network."""

import streamlit as st

from charts import coverage as charts
from charts.common import level_of, level_slug
from data_access import coverage as queries
from data_access.indicators import headline
from i18n import Catalog
from ui import data
from ui.guard import section
from ui.page import setup
from ui.sections import chart_with_data, period_months
from ui.tiles import tiles
from ui.vega import built

T = Catalog(
    "pages.coverage",
    {
        "elderly": (
            "Người cao tuổi: thẻ BHYT và khám sức khỏe",
            "Elderly: health insurance and check-ups",
        ),
        "children": (
            "Trẻ em có hoàn cảnh đặc biệt và trẻ em có nguy cơ",
            "Children in need of protection",
        ),
        "network": ("Mạng lưới bảo vệ, chăm sóc trẻ em", "Child-protection network"),
        "no_elderly": (
            "Không có người cao tuổi nào trong lựa chọn này.",
            "No elderly people in this selection.",
        ),
        "no_visits": (
            "Không có lượt khám sức khỏe người cao tuổi nào trong kỳ này.",
            "No elderly health-check visits in this period.",
        ),
        "no_children": (
            "Không có hồ sơ trẻ em có hoàn cảnh đặc biệt hoặc có nguy cơ trong kỳ này.",
            "No cases of children in special circumstances or at risk in this period.",
        ),
        "no_villages": ("Không có thôn, bản, khu phố nào.", "No villages in this selection."),
    },
)


page = setup("nav_coverage")
lang, filters, scope = page.lang, page.filters, page.scope

# Each part below is a section (ui.guard): a value it cannot use shows a notice in its place.
with section(lang):
    tiles(data.run(headline, filters, scope), ["F1", "F2", "F3", "F4", "F5", "F6"], page)

st.subheader(T("elderly", lang))
with section(lang):
    cards = data.run(queries.elderly_cards_by_area, filters, scope)
    if cards["elderly"].sum() == 0:
        st.info(T("no_elderly", lang))
    else:
        chart_with_data(
            built(charts.cards_chart, cards, lang),
            charts.cards_table(cards, lang),
            "bao-phu-the-bhyt",
            lang,
            key="cov_cards",
            level=level_of(cards),
        )
with section(lang):
    visits = data.run(queries.visits_by_area, filters, scope)
    if visits.empty:
        st.info(T("no_visits", lang))
    else:
        months = period_months(filters, page.data_range)
        chart_with_data(
            built(charts.visits_chart, visits, lang, months),
            charts.visits_table(visits, lang, months),
            "bao-phu-kham-suc-khoe",
            lang,
            key="cov_visits",
        )

st.subheader(T("children", lang))
with section(lang):
    by_commune = data.run(queries.child_cases_by_area, filters, scope)
    if by_commune[["special_cases", "at_risk_cases"]].to_numpy().sum() == 0:
        st.info(T("no_children", lang))
    else:
        chart_with_data(
            built(charts.children_chart, by_commune, lang),
            charts.children_table(by_commune, lang),
            f"bao-phu-tre-em-theo-{level_slug(by_commune)}",
            lang,
            key="cov_children",
            level=level_of(by_commune),
        )
        with section(lang):
            by_category = data.run(queries.child_cases_by_category, filters, scope)
            chart_with_data(
                built(charts.categories_chart, by_category, lang),
                charts.categories_table(by_category, lang),
                "bao-phu-tre-em-theo-nhom",
                lang,
                key="cov_categories",
                drill=False,
            )

st.subheader(T("network", lang))
with section(lang):
    network = data.run(queries.protection_by_area, filters, scope)
    if network["villages"].sum() == 0:
        st.info(T("no_villages", lang))
    else:
        chart_with_data(
            built(charts.network_chart, network, lang),
            charts.network_table(network, lang),
            "bao-phu-mang-luoi-bao-ve-tre-em",
            lang,
            key="cov_network",
            level=level_of(network),
        )
