"""Xã: one commune's indicators against its target and previous period, then its place in the
district — share of each count, rank among the communes, and rates per 1.000 people — and its
villages: a bar per village, and a tap on one (``?thon=<village id>``) opens that village's
figures beside the commune's, with a button back to the commune.

A commune head, whose scope is one commune, lands on it; the district leadership picks one. Two
narrow tables (st.table wraps its text) keep the target and the assessment on a 768 px screen.
"""

import re

import pandas as pd
import streamlit as st

from charts.formatting import fmt_decimal, fmt_int, fmt_money, fmt_percent, fmt_period
from charts.villages import BY_COLUMN as VILLAGE_FIGURES
from charts.villages import (
    CHART_FIGURES,
    FIGURES,
    VILLAGE_FIELD,
    VILLAGE_SELECTION,
    village_label,
    village_table,
    villages_chart,
)
from data_access.errors import WelfareDataError
from data_access.filters import Filters, Scope
from data_access.indicators import INDICATORS, Indicator, headline
from data_access.organisation import whole_area
from data_access.queries import measures
from data_access.standing import commune_standing
from data_access.villages import village_figures, village_row
from i18n import Catalog
from ui import data
from ui.downloads import download_buttons
from ui.filters import drill_to
from ui.guard import section
from ui.page import setup
from ui.sections import chart_with_pick
from ui.text import plain
from ui.tiles import fmt_change, fmt_meets, fmt_value
from ui.vega import built

T = Catalog(
    "pages.commune",
    {
        "choose": ("Chọn xã, thị trấn", "Choose a commune"),
        "choose_label": ("Xã, thị trấn cần xem", "Commune to view"),
        "pick_one": (
            "Trang này xem từng xã: hãy chọn một xã, thị trấn ở bộ lọc hoặc ở đây.",
            "This page shows one commune at a time: pick one in the filters or here.",
        ),
        "indicator": ("Chỉ tiêu", "Indicator"),
        "commune": ("Xã", "Commune"),
        "previous": ("Kỳ trước", "Previous period"),
        "change": ("Thay đổi so với kỳ trước", "Change on previous period"),
        # {area}: the whole area as the data names it ("Toàn huyện"; data_access.organisation)
        "district": ("{area}", "{area}"),
        "target": ("Chỉ tiêu năm", "Annual target"),
        "judged": ("Đánh giá", "Assessment"),
        "share": ("Tỷ trọng của xã trong {area}", "Commune's share of {area}"),
        "rank": ("Xếp thứ trong {area}", "Rank in {area}"),
        "rank_of": ("{rank}/{of}", "{rank} of {of}"),
        "per_1000": ("Xã, trên 1.000 dân", "Commune, per 1,000 people"),
        "district_per_1000": ("{area}, trên 1.000 dân", "{area}, per 1,000 people"),
        "heading": ("{commune} — {period}", "{commune} — {period}"),
        "results": ("Kết quả so với chỉ tiêu và kỳ trước", "Against target and previous period"),
        "in_district": ("Xã trong {area}", "The commune within {area}"),
        "note": (
            "Kỳ trước: {previous}. {area}: tổng của tất cả các xã, thị trấn trong cùng kỳ.",
            "Previous period: {previous}. {area}: all communes over the same period.",
        ),
        "standing_note": (
            "Tỷ trọng: phần của xã trong tổng số của {area}. Xếp thứ: vị trí của xã trong các "
            "xã, thị trấn của {area}, thứ 1 là cao nhất; tỷ lệ (%) xếp theo tỷ lệ, số lượng và "
            "kinh phí xếp theo mức trên 1.000 dân để xã đông dân không đứng đầu chỉ vì đông dân. "
            "Dân số theo danh mục đơn vị hành chính: xã {people} người, {area} {district} "
            "người.",
            "Share: the commune's part of the total of {area}. Rank: the commune's place among "
            "the communes of {area}, 1 being the highest; rates (%) are ranked as they are, "
            "counts and money per 1,000 people so that a large commune does not rank first for "
            "being large. Population from the unit catalogue: commune {people}, {area} "
            "{district}.",
        ),
        "no_population": (
            "Chưa có dân số của xã (hoặc phạm vi của bạn chỉ gồm một phần của xã) nên không tính "
            "mức trên 1.000 dân và thứ hạng theo mức đó.",
            "The commune's population is not known (or your scope holds only part of it), so "
            "there is no rate per 1,000 people and no rank by it.",
        ),
        "villages": ("Thôn, khu phố của xã", "The commune's villages"),
        "village_figure": ("Số liệu trên biểu đồ", "Figure in the chart"),
        "villages_note": (
            "Chạm vào một thôn để xem số liệu của thôn đó. Số liệu của thôn tính theo nơi ở của "
            "đối tượng, người cao tuổi, trẻ em (thôn ghi trong hồ sơ nhân khẩu) và của hộ được "
            'hỗ trợ nhà ở; cộng các thôn bằng đúng số liệu của xã. "Chưa ghi thôn": hồ sơ '
            "không ghi thôn, hoặc ghi một thôn của xã khác (xem trang Kiểm tra số liệu). Lớp đào "
            "tạo nghề và hội nghị việc làm tổ chức cho cả xã, không theo thôn, nên không chia ở "
            "đây.",
            "Tap a village to see its figures. A village's figures follow where the beneficiary, "
            "elderly person or child lives (the village in their person record) and where the "
            "household granted housing support lives; the villages add up exactly to the "
            'commune. "No village recorded": records without a village, or with a village of '
            "another commune (see the data checks page). Vocational classes and job events are "
            "held for the whole commune, not a village, so they are not split here.",
        ),
        "no_villages": (
            "Danh mục chưa có thôn, khu phố nào của xã này.",
            "The catalogue holds no village of this commune.",
        ),
        "village_heading": ("{village}, {commune} — {period}", "{village}, {commune} — {period}"),
        "back": ("← Về {commune}", "← Back to {commune}"),
        "village": ("Thôn", "Village"),
        "village_share": ("Tỷ trọng của thôn trong xã", "Village's share of the commune"),
        "village_note": (
            "Số liệu của thôn tính theo nơi ở ghi trong hồ sơ nhân khẩu (nhà ở: hồ sơ hộ). Lớp đào "
            "tạo nghề và hội nghị việc làm tổ chức cho cả xã, không theo thôn.",
            "A village's figures follow the village in the person record (housing: the household "
            "record). Vocational classes and job events are held for the whole commune, not a "
            "village.",
        ),
        "bad_village": (
            "Đường dẫn có mã thôn không hợp lệ «{value}»; đang xem cả xã.",
            "The link holds an invalid village id '{value}'; showing the whole commune.",
        ),
        "foreign_village": ("{detail} Đang xem cả xã.", "{detail} Showing the whole commune."),
    },
)

QP_VILLAGE = "thon"  # ?thon=<village id>: the village of the commune to open
VILLAGE_ID = re.compile(r"^[0-9]{1,9}$")
VILLAGE_GENERATION = "_village_generation"  # a new chart key after each open and back


def chosen_commune(codes: tuple[str, ...], names: dict[str, str], lang: str) -> str:
    """The commune to show: the filters' one commune, else the scope's only commune; otherwise
    ask (among the filters' communes when several are chosen) and stop."""
    if len(codes) == 1:
        return codes[0]
    if not codes and len(names) == 1:
        return next(iter(names))  # a commune head: their commune, without asking
    st.info(T("pick_one", lang))
    choice = st.selectbox(
        T("choose_label", lang),
        options=list(codes or names),
        index=None,
        format_func=lambda c: names.get(c, c),
        placeholder=T("choose", lang),
        key="commune_pick",
    )
    if choice:
        drill_to(communes=[choice])
    st.stop()
    raise AssertionError("st.stop() returns only in bare mode")  # pragma: no cover


def per_1000(ind: Indicator, value: float | None, lang: str) -> str:
    """A count or money per 1.000 people: "80,8 lượt", "0,18 hộ", "336 triệu đồng"."""
    if value is None or pd.isna(value):
        return "—"
    if ind.unit == "money":
        return fmt_money(round(value), lang)
    number = fmt_decimal(value, 1 if value >= 10 else 2, lang)
    return f"{number} {ind.counted(lang)}".strip()


def _missing(value: object) -> bool:
    return value is None or bool(pd.isna(value))


def rank_text(place: pd.Series, lang: str) -> str:
    """The commune's rank among the ranked communes: "2/9"; "—" when it has no value."""
    if _missing(place["rank"]):
        return "—"
    return T("rank_of", lang, rank=int(place["rank"]), of=int(place["ranked"]))


def _bump_generation() -> None:
    st.session_state[VILLAGE_GENERATION] = st.session_state.get(VILLAGE_GENERATION, 0) + 1


def open_village(village_key: str) -> None:
    """A tap on a village's bar: put it in the URL (``?thon=``) and show it."""
    st.query_params[QP_VILLAGE] = village_key
    _bump_generation()
    st.rerun()


def back_to_commune() -> None:
    """The "back" button: clear ``?thon=``; the page shows the whole commune again."""
    if QP_VILLAGE in st.query_params:
        del st.query_params[QP_VILLAGE]
    _bump_generation()


def chosen_village(selection: Filters, scope: Scope, commune: str, lang: str) -> pd.Series | None:
    """The village of ``?thon=`` (its row of ``village_figures``), or None for the commune.

    A value that is no id, or the id of a village outside the commune or the user's scope,
    gets a short notice; the page falls back to the whole commune and the URL drops it.
    """
    raw = st.query_params.get(QP_VILLAGE)
    if not raw:
        return None
    if not VILLAGE_ID.match(raw):
        notice = T("bad_village", lang, value=raw[:20])
    else:
        frames = []
        with section(lang):  # a value the figures cannot use: its notice, then the commune
            frames.append(data.run(village_figures, selection, scope))
        if not frames:
            return None
        try:
            return village_row(frames[0], int(raw), commune)
        except WelfareDataError as error:  # not a village of this commune, or not the user's
            notice = T("foreign_village", lang, detail=error.message(lang))
    st.warning(plain(notice), icon="🔗")  # URL text: shown as typed
    del st.query_params[QP_VILLAGE]
    return None


def village_view(
    village: pd.Series, selection: Filters, scope: Scope, commune: str, lang: str
) -> None:
    """One village: its figures beside the commune's, its share, and the way back."""
    name = village_label(village["village_name"], village["old_commune"], lang)
    st.button(T("back", lang, commune=commune), key="village_back", on_click=back_to_commune)
    period = fmt_period(selection.period.start, selection.period.end, lang)
    st.subheader(plain(T("village_heading", lang, village=name, commune=commune, period=period)))
    with section(lang):
        whole = data.run(measures, selection, scope).iloc[0]
        rows = []
        for figure in FIGURES:
            mine, all_of = int(village[figure.column]), int(whole[figure.column])
            rows.append(
                {
                    T("indicator", lang): figure.label(lang),
                    T("village", lang): figure.text(mine, lang),
                    T("commune", lang): figure.text(all_of, lang),
                    T("village_share", lang): fmt_percent(mine / all_of, 1, lang)
                    if all_of
                    else "—",
                }
            )
        table = pd.DataFrame(rows)
        st.table(table, hide_index=True)
        st.caption(T("village_note", lang))
        download_buttons(table, f"thon-{int(village['village_id'])}", lang, key="village_table")


def villages_section(selection: Filters, scope: Scope, code: str, lang: str) -> None:
    """The commune's villages: a bar per village (a tap opens it) and the table behind it."""
    st.markdown(f"**{T('villages', lang)}**")
    with section(lang):
        frame = data.run(village_figures, selection, scope)
        if frame.empty:
            st.info(T("no_villages", lang))
            return
        column = st.selectbox(
            T("village_figure", lang),
            options=CHART_FIGURES,
            format_func=lambda c: VILLAGE_FIGURES[c].label(lang),
            key="village_figure",
        )
        generation = st.session_state.get(VILLAGE_GENERATION, 0)
        picked = chart_with_pick(
            built(villages_chart, frame, column, lang),
            village_table(frame, lang),
            f"xa-{code}-thon",
            lang,
            key=f"villages_{generation}",
            selection=VILLAGE_SELECTION,
            field=VILLAGE_FIELD,
        )
        st.caption(T("villages_note", lang))
        if picked:
            open_village(picked)


page = setup("nav_commune")
lang, filters, scope, names = page.lang, page.filters, page.scope, page.names

code = chosen_commune(filters.communes, names, lang)
selection = filters.with_communes((code,))
previous = filters.period.previous()
commune_name = names.get(code, code)
# The whole area the commune is compared with, as the data names it: a caption ("Toàn huyện")
# and inside a sentence ("toàn huyện"); database text, escaped where Markdown renders it.
whole = data.run(whole_area, filters.with_communes(()), Scope.everything())
area_caption, area_inside = whole.label(lang), whole.subject(lang)

opened = chosen_village(selection, scope, commune_name, lang)
if opened is not None:
    village_view(opened, selection, scope, commune_name, lang)
    st.stop()

st.subheader(
    plain(
        T(
            "heading",
            lang,
            commune=names.get(code, code),
            period=fmt_period(filters.period.start, filters.period.end, lang),
        )
    )
)


def results_table() -> pd.DataFrame:
    """The commune's indicators: value, target, judged, the previous period, the change."""
    mine = data.run(headline, selection, scope).set_index("code")
    before = data.run(headline, selection.with_period(previous), scope).set_index("code")
    results = []
    for ind in INDICATORS:
        now, then = mine.loc[ind.code], before.loc[ind.code]
        change = (
            None
            if _missing(now["value"]) or _missing(then["value"])
            else now["value"] - then["value"]
        )
        results.append(
            {
                T("indicator", lang): ind.label(lang),
                T("commune", lang): fmt_value(ind, now["value"], lang),
                T("target", lang): fmt_value(ind, now["target"], lang),
                T("judged", lang): fmt_meets(now["meets_target"], lang),
                T("previous", lang): fmt_value(ind, then["value"], lang),
                T("change", lang): fmt_change(ind, change, lang) or "—",
            }
        )
    return pd.DataFrame(results)


def district_table() -> pd.DataFrame:
    """The commune within the district: share, rank, per 1.000 people."""
    mine = data.run(headline, selection, scope).set_index("code")
    standing = data.run(commune_standing, selection, scope).set_index("code")
    within = []
    for ind in INDICATORS:
        now, place = mine.loc[ind.code], standing.loc[ind.code]
        share = place["share"]
        within.append(
            {
                T("indicator", lang): ind.label(lang),
                T("commune", lang): fmt_value(ind, now["value"], lang),
                T("district", lang, area=area_caption): fmt_value(
                    ind, place["district_value"], lang
                ),
                T("share", lang, area=area_inside): (
                    "—" if _missing(share) else fmt_percent(share, 1, lang)
                ),
                T("rank", lang, area=area_inside): rank_text(place, lang),
                T("per_1000", lang): per_1000(ind, place["per_1000"], lang),
                T("district_per_1000", lang, area=area_caption): per_1000(
                    ind, place["district_per_1000"], lang
                ),
            }
        )
    return pd.DataFrame(within)


# Each part below is a section (ui.guard): a value it cannot use shows a notice in its place.
st.markdown(f"**{T('results', lang)}**")
with section(lang):
    st.table(results_table(), hide_index=True)
st.caption(
    plain(
        T(
            "note",
            lang,
            previous=fmt_period(previous.start, previous.end, lang),
            area=area_caption,
        )
    )
)

st.markdown(f"**{plain(T('in_district', lang, area=area_inside))}**")
with section(lang):
    st.table(district_table(), hide_index=True)
    standing = data.run(commune_standing, selection, scope).set_index("code")
    people = standing["population"].iloc[0]
    if _missing(people):
        st.caption(T("no_population", lang))
    else:
        st.caption(
            plain(
                T(
                    "standing_note",
                    lang,
                    people=fmt_int(people, lang),
                    area=area_inside,
                    district=fmt_int(standing["district_population"].iloc[0], lang),
                )
            )
        )

with section(lang):
    both = results_table().merge(
        district_table().drop(columns=[T("commune", lang)]), on=T("indicator", lang), how="left"
    )
    download_buttons(both, f"xa-{code}", lang, key="commune_table")

villages_section(selection, scope, code, lang)
