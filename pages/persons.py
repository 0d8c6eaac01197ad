"""Danh sách cá nhân: beneficiaries, housing grants, learners and payments — paged and masked.

Shown only to roles that may see person-level data; ids and bank accounts are masked by the
data layer, and every cell is rendered as text by st.dataframe (never as HTML).
"""

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from charts.formatting import fmt_date, fmt_decimal, fmt_int, fmt_month
from data_access.persons import LISTS, PAGE_SIZE, PersonListNotAllowedError, PersonPage
from i18n import Catalog
from ui import data
from ui.downloads import download_buttons
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
        "search": ("Tìm theo họ tên", "Search by name"),
        "page": ("Trang", "Page"),
        "of": ("{shown} / {total} người", "{shown} of {total}"),
        "none": (
            "Không có ai trong danh sách này cho lựa chọn hiện tại.",
            "Nobody in this list for the current selection.",
        ),
        "masked": (
            "Số CCCD và số tài khoản được che, chỉ hiện 4 ký tự cuối (Nghị định 13/2023/NĐ-CP).",
            "National ids and bank accounts are masked but for the last 4 characters "
            "(Decree 13/2023/NĐ-CP).",
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
    },
)
MONTH_COLUMNS = {"start_month", "end_month", "month"}
DATE_COLUMNS = {"approved_on", "deadline", "completed_on", "start_date", "end_date", "paid_on"}
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


page = setup("nav_persons")
lang, filters, scope = page.lang, page.filters, page.scope
if not scope.persons:
    fail(PersonListNotAllowedError(), lang)

st.caption(T("masked", lang))
for tab, name in zip(st.tabs([T(n, lang) for n in LISTS]), LISTS, strict=True):
    with tab:
        left, right = st.columns([3, 1])
        search = left.text_input(T("search", lang), key=f"search_{name}", max_chars=60)
        number = right.number_input(
            T("page", lang), min_value=1, value=1, step=1, key=f"page_{name}"
        )
        try:
            result = data.run(LISTS[name], filters, scope, int(number), PAGE_SIZE, search or None)
        except PersonListNotAllowedError as error:
            fail(error, lang)
        if result.total == 0:
            st.info(T("none", lang))
            continue
        shown = display(result, lang)
        st.dataframe(shown, hide_index=True, width="stretch")
        st.caption(
            f"{T('page', lang)} {result.page}/{result.pages} · "
            + T("of", lang, shown=fmt_int(len(shown), lang), total=fmt_int(result.total, lang))
        )
        download_buttons(shown, f"danh-sach-{name}-trang-{result.page}", lang, key=f"dl_{name}")
