"""Nhà ở: housing grants by commune, funding source and target group, and their progress."""

import streamlit as st

from charts import housing as charts
from charts.common import level_of, level_slug, level_title
from data_access import housing as queries
from data_access.indicators import headline
from i18n import Catalog
from ui import data
from ui.guard import left_out, section
from ui.page import setup
from ui.sections import chart_with_data
from ui.tiles import tiles
from ui.vega import built

T = Catalog(
    "pages.housing",
    {
        "communes": ("Xây mới và sửa chữa theo xã", "New builds and repairs by commune"),
        "communes_area": ("Xây mới và sửa chữa theo {area}", "New builds and repairs by {area}"),
        "funding": (
            "Nguồn kinh phí và đối tượng được hỗ trợ",
            "Funding sources and who was helped",
        ),
        "progress": ("Tiến độ thực hiện", "Progress"),
        "empty": (
            "Không có hộ nào được phê duyệt hỗ trợ nhà ở trong kỳ này cho lựa chọn này.",
            "No housing grant was approved in this period for this selection.",
        ),
        "progress_note": (
            "Tình trạng tính theo ngày khởi công và ngày hoàn thành đến ngày chốt số liệu; "
            "quá hạn: hoàn thành sau thời hạn, hoặc chưa hoàn thành khi đã hết hạn.",
            "Stages follow the start and completion dates up to the data's as-of date; past "
            "deadline: finished after the deadline, or unfinished once it has passed.",
        ),
    },
)


page = setup("nav_housing")
lang, filters, scope = page.lang, page.filters, page.scope
left_out(page, ("housing_grant",))  # records with impossible values: how many, not silently

# Each part below is a section (ui.guard): a value it cannot use shows a notice in its place.
with section(lang):
    tiles(data.run(headline, filters, scope), ["F7", "F8", "F9", "F9S"], page)

with section(lang):
    if data.run(queries.grants_by_area, filters, scope)["grants"].sum() == 0:
        st.info(T("empty", lang))
        st.stop()

with section(lang):  # the heading says what the bars are: communes, or provinces, districts
    communes = data.run(queries.grants_by_area, filters, scope)
    st.subheader(level_title(T, "communes", communes, lang))
    chart_with_data(
        built(charts.communes_chart, communes, lang),
        charts.communes_table(communes, lang),
        f"nha-o-theo-{level_slug(communes)}",
        lang,
        key="housing_communes",
        level=level_of(communes),
    )

st.subheader(T("funding", lang))
with section(lang):
    sources = data.run(queries.grants_by_source, filters, scope)
    chart_with_data(
        built(charts.sources_chart, sources, lang),
        charts.sources_table(sources, lang),
        "nha-o-nguon-kinh-phi",
        lang,
        key="housing_sources",
        drill=False,
    )
with section(lang):
    groups = data.run(queries.grants_by_target_group, filters, scope)
    chart_with_data(
        built(charts.groups_chart, groups, lang),
        charts.groups_table(groups, lang),
        "nha-o-doi-tuong",
        lang,
        key="housing_groups",
        drill=False,
    )

st.subheader(T("progress", lang))
with section(lang):
    progress = data.run(queries.progress_by_area, filters, scope)
    chart_with_data(
        built(charts.progress_chart, progress, lang),
        charts.progress_table(progress, lang),
        "nha-o-tien-do",
        lang,
        key="housing_progress",
        level=level_of(progress),
    )
st.caption(T("progress_note", lang))
with section(lang):
    events = data.run(queries.grant_events_by_month, filters, scope)
    chart_with_data(
        built(charts.events_chart, events, lang),
        charts.events_table(events, lang),
        "nha-o-theo-thang",
        lang,
        key="housing_events",
    )
