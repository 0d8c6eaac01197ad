"""Danh sách cá nhân: beneficiaries, housing grants, learners, payments and elderly health
visits — paged and masked, each tab saying what it counts (the beneficiary list beside F14's
count, with the numbers that reconcile them).

Shown only to roles that may see person-level data; ids and bank accounts are masked by the
data layer, and every cell is rendered as text by st.dataframe (never as HTML). ``?ds=`` opens
a given list (the quality page links mismatched reported figures here).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from charts.formatting import fmt_date, fmt_decimal, fmt_int, fmt_month, fmt_period
from data_access.persons import (
    LISTS,
    PAGE_SIZE,
    BeneficiaryCounts,
    PersonListNotAllowedError,
    PersonPage,
    beneficiary_counts,
)
from i18n import Catalog
from ui import audit, data
from ui.downloads import download_buttons
from ui.guard import section
from ui.links import chosen_list
from ui.page import fail, setup
from vocab import (
    ALLOWANCE_GROUPS,
    CLASS_FIELDS,
    GRANT_KINDS,
    GRANT_SOURCES,
    GRANT_TARGET_GROUPS,
    PAYMENT_METHODS,
    status_label,
)

T = Catalog(
    "pages.persons",
    {
        # the lists (data_access.persons.LISTS), one tab each
        "beneficiaries": ("Đối tượng hưởng trợ cấp", "Allowance beneficiaries"),
        "housing": ("Hỗ trợ nhà ở", "Housing grants"),
        "enrolments": ("Học viên học nghề", "Vocational learners"),
        "payments": ("Chi trả hằng tháng", "Monthly payments"),
        "health_visits": ("Khám sức khỏe người cao tuổi", "Elderly health visits"),
        "search": ("Tìm theo họ tên", "Search by name"),
        "page": ("Trang", "Page"),
        # how many rows, in what each list's row is
        "of_beneficiaries": ("{shown} / {total} người", "{shown} of {total} people"),
        "of_housing": (
            "{shown} / {total} người trong hộ được hỗ trợ",
            "{shown} of {total} members of granted households",
        ),
        "of_enrolments": ("{shown} / {total} học viên", "{shown} of {total} learners"),
        "of_payments": ("{shown} / {total} khoản chi trả", "{shown} of {total} payments"),
        "of_health_visits": ("{shown} / {total} lượt khám", "{shown} of {total} visits"),
        # what each list holds, and how that compares with the indicator tiles
        "counts_beneficiaries": (
            "Danh sách này có {listed} người có tên trong danh sách hưởng trợ cấp ở ít nhất một "
            "tháng của kỳ đang xem ({period}), kể cả {left} người đã thôi hưởng trước tháng chốt "
            "số liệu ({month}).",
            "This list holds {listed} people on the allowance list in at least one month of the "
            "period shown ({period}), including {left} who left it before the reference month "
            "({month}).",
        ),
        "counts_joined": (
            "Trong số đó có {joined} người chỉ bắt đầu hưởng sau tháng chốt số liệu.",
            "Of them, {joined} joined the list only after the reference month.",
        ),
        "counts_f14": (
            "Chỉ tiêu F14 “Đối tượng hưởng trợ cấp xã hội hằng tháng” đếm {f14} đối tượng: người "
            "có tên trong danh sách của tháng chốt số liệu ({month}).",
            "Indicator F14 “Monthly social-allowance beneficiaries” counts {f14}: those on the "
            "list in the reference month ({month}).",
        ),
        "counts_same": (
            "Danh sách này có {listed} người có tên trong danh sách hưởng trợ cấp ở ít nhất một "
            "tháng của kỳ đang xem ({period}), đúng bằng {f14} đối tượng mà chỉ tiêu F14 đếm trong "
            "tháng chốt số liệu ({month}).",
            "This list holds {listed} people on the allowance list in at least one month of the "
            "period shown ({period}), as many as the {f14} F14 counts in the reference month "
            "({month}).",
        ),
        "holds_housing": (
            "Các khoản hỗ trợ nhà ở có ngày phê duyệt trong kỳ đang xem ({period}); mỗi dòng là "
            "một người trong hộ được hỗ trợ, nên hộ nhiều người có nhiều dòng (chỉ tiêu F7, F8 đếm "
            "số hộ).",
            "Housing grants approved in the period shown ({period}); each row is a member of a "
            "granted household, so a larger household has several rows (F7 and F8 count "
            "households).",
        ),
        "holds_enrolments": (
            "Học viên ghi danh vào các lớp sơ cấp nghề khai giảng trong kỳ đang xem ({period}), "
            "như chỉ tiêu F13 đếm.",
            "Learners of the vocational classes started in the period shown ({period}), as F13 "
            "counts them.",
        ),
        "holds_payments": (
            "Các khoản chi trả trợ cấp cho các tháng của kỳ đang xem ({period}): mỗi dòng là một "
            "tháng của một đối tượng, ở mọi trạng thái (chỉ tiêu F15 chỉ cộng các khoản đã chi).",
            "Allowance payments for the months of the period shown ({period}): one row per "
            "beneficiary and month, in any status (F15 adds up only those paid).",
        ),
        "holds_health_visits": (
            "Các lượt khám sức khỏe định kỳ và tư vấn của chương trình chăm sóc người cao tuổi "
            "trong kỳ đang xem ({period}), như chỉ tiêu F2 đếm.",
            "Check-ups and consultations of the elderly health programme in the period shown "
            "({period}), as F2 counts them.",
        ),
        "none": (
            "Không có ai trong danh sách này cho lựa chọn hiện tại.",
            "Nobody in this list for the current selection.",
        ),
        "masked": (
            "Số CCCD và số tài khoản được che, chỉ hiện 4 ký tự cuối (Nghị định 13/2023/NĐ-CP).",
            "National ids and bank accounts are masked but for the last 4 characters (Decree "
            "13/2023/NĐ-CP).",
        ),
        # column headers, by the lists' column names
        "full_name": ("Họ và tên", "Full name"),
        "birth_year": ("Năm sinh", "Born"),
        "commune": ("Xã, thị trấn", "Commune"),
        "village": ("Thôn, khu phố", "Village"),
        "group_code": ("Nhóm đối tượng", "Group"),
        "coefficient_x10": ("Hệ số", "Coefficient"),
        "start_month": ("Từ tháng", "From"),
        "end_month": ("Đến tháng", "To"),
        "payment_method": ("Hình thức nhận", "Paid by"),
        "national_id": ("Số CCCD", "National id"),
        "bank_account": ("Số tài khoản", "Bank account"),
        "kind": ("Loại hỗ trợ", "Kind"),
        "target_group": ("Đối tượng", "Target group"),
        "amount_vnd": ("Số tiền (đồng)", "Amount (VND)"),
        "funding_source": ("Nguồn kinh phí", "Funding"),
        "approved_on": ("Ngày phê duyệt", "Approved"),
        "deadline": ("Hạn hoàn thành", "Deadline"),
        "completed_on": ("Ngày hoàn thành", "Completed"),
        "status": ("Trạng thái", "Status"),
        "class_name": ("Lớp", "Class"),
        "field": ("Lĩnh vực", "Field"),
        "start_date": ("Khai giảng", "Start"),
        "end_date": ("Bế giảng", "End"),
        "completed": ("Hoàn thành", "Completed"),
        "employed_after": ("Có việc làm", "Employed"),
        "month": ("Tháng", "Month"),
        "method": ("Hình thức", "Method"),
        "paid_on": ("Ngày chi", "Paid on"),
        "check_date": ("Ngày khám", "Visit date"),
        "free_medicine": ("Được cấp thuốc miễn phí", "Free medicine"),
    },
)
MONTH_COLUMNS = {"start_month", "end_month", "month"}
DATE_COLUMNS = {
    "approved_on",
    "deadline",
    "completed_on",
    "start_date",
    "end_date",
    "paid_on",
    "check_date",
}
# Columns holding stored codes: each shown as its label, never as the code.
CODE_COLUMNS: dict[str, Callable[[object, str], str]] = {
    "group_code": ALLOWANCE_GROUPS.label,
    "payment_method": PAYMENT_METHODS.label,
    "method": PAYMENT_METHODS.label,
    "kind": GRANT_KINDS.label,
    "target_group": GRANT_TARGET_GROUPS.label,
    "funding_source": GRANT_SOURCES.label,
    "field": CLASS_FIELDS.label,
    "status": status_label,
}


def _month(value: date | None, lang: str) -> str:
    """A month cell: "Tháng 11/2023"; none, an empty cell."""
    return fmt_month(value, lang) if value else ""


def _date(value: date | None, lang: str) -> str:
    """A date cell: "16/7/2021"; none, an empty cell."""
    return fmt_date(value, lang) if value else ""


def _coefficient(value: int, lang: str) -> str:
    """A beneficiary's coefficient, stored ×10 so that it stays whole."""
    return fmt_decimal(value / 10, 1, lang)  # 15 is 1,5


# How a column's cells read, where they are not shown as stored (names stay plain text).
CELLS: dict[str, Callable[[Any, str], str]] = {
    **dict.fromkeys(MONTH_COLUMNS, _month),
    **dict.fromkeys(DATE_COLUMNS, _date),
    "coefficient_x10": _coefficient,
    "amount_vnd": fmt_int,
    **CODE_COLUMNS,
}


def display(result: PersonPage, lang: str) -> pd.DataFrame:
    """The page of rows with readable values and headers (names stay plain text)."""
    frame = result.rows.copy()
    for column in frame.columns:
        if column in CELLS:
            cell = CELLS[column]
            frame[column] = [cell(v, lang) for v in frame[column]]
    return frame.rename(columns={c: T(c, lang) for c in frame.columns})


def explain_beneficiaries(counts: BeneficiaryCounts, period: str, lang: str) -> str:
    """What the beneficiary list counts beside what the F14 tile counts, with both numbers."""
    month = fmt_month(counts.reference_month, lang)
    if counts.listed == counts.in_reference_month:
        return T(
            "counts_same",
            lang,
            listed=fmt_int(counts.listed, lang),
            period=period,
            f14=fmt_int(counts.f14, lang),
            month=month,
        )
    parts = [
        T(
            "counts_beneficiaries",
            lang,
            listed=fmt_int(counts.listed, lang),
            period=period,
            left=fmt_int(counts.left_before, lang),
            month=month,
        )
    ]
    if counts.joined_after:
        parts.append(T("counts_joined", lang, joined=fmt_int(counts.joined_after, lang)))
    parts.append(T("counts_f14", lang, f14=fmt_int(counts.f14, lang), month=month))
    return " ".join(parts)


# What each list other than the beneficiaries' holds (that one is explained with its numbers).
HOLDS: dict[str, Callable[[str, str], str]] = {
    "housing": lambda period, lang: T("holds_housing", lang, period=period),
    "enrolments": lambda period, lang: T("holds_enrolments", lang, period=period),
    "payments": lambda period, lang: T("holds_payments", lang, period=period),
    "health_visits": lambda period, lang: T("holds_health_visits", lang, period=period),
}
# Each list's "shown / total" caption, counting what its rows are.
ROWS: dict[str, Callable[[str, str, str], str]] = {
    "beneficiaries": lambda shown, total, lang: T(
        "of_beneficiaries", lang, shown=shown, total=total
    ),
    "housing": lambda shown, total, lang: T("of_housing", lang, shown=shown, total=total),
    "enrolments": lambda shown, total, lang: T("of_enrolments", lang, shown=shown, total=total),
    "payments": lambda shown, total, lang: T("of_payments", lang, shown=shown, total=total),
    "health_visits": lambda shown, total, lang: T(
        "of_health_visits", lang, shown=shown, total=total
    ),
}


page = setup("nav_persons")
lang, filters, scope = page.lang, page.filters, page.scope
if not scope.persons:
    fail(PersonListNotAllowedError(), lang)

period = fmt_period(filters.period.start, filters.period.end, lang)
st.caption(T("masked", lang))
labels = [T(n, lang) for n in LISTS]
opened = T(chosen_list(st.query_params.to_dict()), lang)


@dataclass(frozen=True)
class Fetched:
    """A tab's page of rows, ready to draw once the page's views are recorded."""

    result: PersonPage
    shown: pd.DataFrame
    asked: dict[str, object]


def fetch_list(name: str) -> Fetched | None:
    """One tab's head: what the list holds, a name search and a page number; the page of rows
    (None when the list is empty, which the tab says)."""
    if name == "beneficiaries":
        counts = data.run(beneficiary_counts, filters, scope)
        st.info(explain_beneficiaries(counts, period, lang), icon="ℹ️")
    else:
        st.caption(HOLDS[name](period, lang))
    left, right = st.columns([3, 1])
    search = left.text_input(T("search", lang), key=f"search_{name}", max_chars=60)
    number = right.number_input(T("page", lang), min_value=1, value=1, step=1, key=f"page_{name}")
    try:
        result = data.run(LISTS[name], filters, scope, int(number), PAGE_SIZE, search or None)
    except PersonListNotAllowedError as error:
        fail(error, lang)
    if result.total == 0:
        st.info(T("none", lang))
        return None
    asked: dict[str, object] = {"page": result.page, "search": search or None}
    return Fetched(result, display(result, lang), asked)


def draw_rows(name: str, fetched: Fetched) -> None:
    """One tab's rows, their count and their downloads (recorded as viewed already)."""
    result, shown, asked = fetched.result, fetched.shown, fetched.asked
    st.dataframe(shown, hide_index=True, width="stretch")
    st.caption(
        f"{T('page', lang)} {result.page}/{result.pages} · "
        + ROWS[name](fmt_int(len(shown), lang), fmt_int(result.total, lang), lang)
    )
    file_name = f"danh-sach-{name}-trang-{result.page}"
    download_buttons(
        shown, file_name, lang, key=f"dl_{name}", subjects=result.person_ids, detail=asked
    )


# Each tab is a section (ui.guard): a value it cannot use shows a notice in its place. The tabs'
# lists are fetched first, recorded in the audit trail together (one transaction for the page),
# and drawn only then: a list whose view cannot be recorded is not shown.
tabs = dict(zip(LISTS, st.tabs(labels, default=opened), strict=True))
fetched: dict[str, Fetched] = {}
for name, tab in tabs.items():
    with tab, section(lang):
        found = fetch_list(name)
        if found is not None:
            fetched[name] = found
views = [
    audit.View(name, filters, len(f.shown), f.result.person_ids, f.asked)
    for name, f in fetched.items()
]
if not audit.viewed_all(views, lang):
    st.stop()  # not recorded: not shown (the message says so)
for name, found in fetched.items():
    with tabs[name], section(lang):
        draw_rows(name, found)
