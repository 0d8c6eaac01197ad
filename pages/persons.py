"""Danh sách cá nhân: beneficiaries, housing grants, learners and payments — paged and masked.

Shown only to roles that may see person-level data; ids and bank accounts are masked by the
data layer, and every cell is rendered as text by st.dataframe (never as HTML).
"""

import streamlit as st

from charts.formatting import fmt_date, fmt_int, fmt_month
from data_access.persons import LISTS, PAGE_SIZE, PersonListNotAllowedError, PersonPage
from ui import data
from ui.downloads import download_buttons
from ui.page import fail, setup

TEXT = {
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
}
COLUMNS = {
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
}
MONTH_COLUMNS = {"start_month", "end_month", "month"}
DATE_COLUMNS = {"approved_on", "deadline", "completed_on", "start_date", "end_date", "paid_on"}


def tr(key: str, lang: str, **values: object) -> str:
    vi, en = TEXT[key]
    return (vi if lang == "vi" else en).format(**values)


def display(result: PersonPage, lang: str):
    """The page of rows with readable values and headers (names stay plain text)."""
    frame = result.rows.copy()
    for column in frame.columns:
        if column in MONTH_COLUMNS:
            frame[column] = [fmt_month(v, lang) if v else "" for v in frame[column]]
        elif column in DATE_COLUMNS:
            frame[column] = [fmt_date(v, lang) if v else "" for v in frame[column]]
        elif column == "coefficient_x10":
            frame[column] = [
                f"{v / 10:.1f}".replace(".", "," if lang == "vi" else ".") for v in frame[column]
            ]
        elif column == "amount_vnd":
            frame[column] = [fmt_int(v, lang) for v in frame[column]]
    return frame.rename(columns={c: COLUMNS[c][0 if lang == "vi" else 1] for c in frame.columns})


page = setup("nav_persons")
lang, filters, scope = page.lang, page.filters, page.scope
if not scope.persons:
    fail(PersonListNotAllowedError(), lang)

st.caption(tr("masked", lang))
for tab, name in zip(st.tabs([tr(n, lang) for n in LISTS]), LISTS, strict=True):
    with tab:
        left, right = st.columns([3, 1])
        search = left.text_input(tr("search", lang), key=f"search_{name}", max_chars=60)
        number = right.number_input(
            tr("page", lang), min_value=1, value=1, step=1, key=f"page_{name}"
        )
        try:
            result = data.run(LISTS[name], filters, scope, int(number), PAGE_SIZE, search or None)
        except PersonListNotAllowedError as error:
            fail(error, lang)
        if result.total == 0:
            st.info(tr("none", lang))
            continue
        shown = display(result, lang)
        st.dataframe(shown, hide_index=True, width="stretch")
        st.caption(
            f"{tr('page', lang)} {result.page}/{result.pages} · "
            + tr("of", lang, shown=fmt_int(len(shown), lang), total=fmt_int(result.total, lang))
        )
        download_buttons(shown, f"danh-sach-{name}-trang-{result.page}", lang, key=f"dl_{name}")
