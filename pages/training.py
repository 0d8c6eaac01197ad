"""Đào tạo nghề & việc làm: vocational classes by field and commune, the classes started in the
period, and job fairs, labour-export conferences and recruitment consultations."""

import pandas as pd
import streamlit as st

from charts import training as ch
from charts.common import level_of, level_slug
from data_access import training as q
from data_access.indicators import headline
from i18n import Catalog
from ui import data
from ui.downloads import download_buttons
from ui.guard import left_out, section
from ui.page import setup
from ui.sections import chart_with_data, period_months
from ui.tiles import tiles
from ui.vega import built

T = Catalog(
    "pages.training",
    {
        "h_classes": ("Lớp sơ cấp nghề", "Elementary vocational classes"),
        "no_classes": (
            "Không có lớp sơ cấp nghề nào khai giảng trong kỳ và địa bàn đã chọn.",
            "No vocational class started in the chosen period and communes.",
        ),
        "completion": ("Tỷ lệ hoàn thành khóa học", "Course completion rate"),
        "completion_help": (
            "Học viên hoàn thành trên tổng học viên của các lớp đã kết thúc đến ngày chốt số liệu "
            "({ended}/{classes} lớp).",
            "Learners who completed, over learners of classes ended by the data's as-of date "
            "({ended}/{classes} classes).",
        ),
        "employed": ("Có việc làm sau học", "Employed after the course"),
        "employed_help": (
            "Học viên có việc làm sau khóa học trên số học viên đã hoàn thành.",
            "Learners employed after the course, over those who completed it.",
        ),
        "class_list": ("Các lớp khai giảng trong kỳ", "Classes started in the period"),
        "h_events": (
            "Hội nghị giao dịch việc làm, xuất khẩu lao động và tư vấn tuyển dụng",
            "Job fairs, labour-export conferences and recruitment consultations",
        ),
        "no_events": (
            "Không có hội nghị việc làm nào trong kỳ và địa bàn đã chọn.",
            "No job event was held in the chosen period and communes.",
        ),
    },
)


page = setup("nav_training")
lang, filters, scope = page.lang, page.filters, page.scope
left_out(page, ("job_event",))  # records with impossible values: how many, not silently

# Each part below is a section (ui.guard): a value it cannot use shows a notice in its place.
with section(lang):
    tiles(data.run(headline, filters, scope), ["F12", "F13", "F10", "F11"], page)


def by_field() -> pd.DataFrame:
    return data.run(q.classes_by_field, filters, scope)


st.subheader(T("h_classes", lang))
has_classes = True
with section(lang):
    has_classes = bool(by_field()["classes"].sum() != 0)
    if not has_classes:
        st.info(T("no_classes", lang))
if has_classes:
    rates = st.columns(4)
    with rates[0].container(border=True, key="tile_completion"), section(lang):
        fields = by_field()
        st.metric(
            T("completion", lang),
            ch.completion_text(fields, lang),
            help=T(
                "completion_help",
                lang,
                ended=str(int(fields["classes_ended"].sum())),
                classes=str(int(fields["classes"].sum())),
            ),
        )
    with rates[1].container(border=True, key="tile_employed"), section(lang):
        st.metric(
            T("employed", lang), ch.employed_text(by_field(), lang), help=T("employed_help", lang)
        )
    with section(lang):
        chart_with_data(
            built(ch.learners_by_field, by_field(), lang),
            ch.field_table(by_field(), lang),
            "dao-tao-theo-linh-vuc",
            lang,
            key="training_field",
            drill=False,
        )
    with section(lang):
        by_commune = data.run(q.classes_by_area, filters, scope)
        chart_with_data(
            built(ch.learners_by_commune, by_commune, lang),
            ch.commune_table(by_commune, lang),
            f"dao-tao-theo-{level_slug(by_commune)}",
            lang,
            key="training_commune",
            level=level_of(by_commune),
        )
    st.markdown(f"**{T('class_list', lang)}**")
    with section(lang):
        classes = ch.class_table(data.run(q.class_list, filters, scope), lang)
        st.dataframe(classes, hide_index=True, width="stretch")
        download_buttons(classes, "lop-so-cap-nghe", lang, key="training_classes")

st.subheader(T("h_events", lang))
has_events = True
with section(lang):
    has_events = not data.run(q.events_by_month, filters, scope).empty
    if not has_events:
        st.info(T("no_events", lang))
if has_events:
    with section(lang):
        months = period_months(filters, page.data_range)
        events = data.run(q.events_by_month, filters, scope)
        chart_with_data(
            built(ch.events_by_month, events, lang, months),
            ch.events_month_table(events, lang, months),
            "hoi-nghi-viec-lam-theo-thang",
            lang,
            key="training_events_month",
        )
    with section(lang):
        event_communes = data.run(q.events_by_area, filters, scope)
        chart_with_data(
            built(ch.attendees_by_commune, event_communes, lang),
            ch.events_commune_table(event_communes, lang),
            f"hoi-nghi-viec-lam-theo-{level_slug(event_communes)}",
            lang,
            key="training_events_commune",
            level=level_of(event_communes),
        )
