"""Nhật ký truy cập: who saw whose data, downloaded what, signed in, changed an account or
loaded a list (``auth.audit``), for district leadership only (issue 17 §1).

Filters: the days (Vietnam time is shown; the log keeps UTC), the user, what happened, and the
person whose data was shown (a name or a CCCD, found in the welfare database within the
leader's scope: the entries whose person list had one of them on screen). Newest first, at most
``SHOWN`` rows, with the count of all that match; the table downloads as CSV or Excel (the
download is itself recorded). Opening the log with a person filter is recorded as a view.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st

from auth import audit
from auth.session import current_user, user_store
from charts.formatting import VIETNAM_TIME, fmt_datetime, fmt_int
from data_access.persons import FIND_LIMIT, find_people
from i18n import Catalog
from ui import audit as recorded
from ui import data
from ui.downloads import download_buttons
from ui.page import setup

SHOWN = 1000  # entries on screen at most (the count says how many match)
DEFAULT_DAYS = 30

T = Catalog(
    "pages.audit_log",
    {
        "not_allowed": (
            "Chỉ lãnh đạo huyện được xem nhật ký truy cập.",
            "Only district leadership may read the access log.",
        ),
        "intro": (
            "Mỗi lần xem hoặc tải danh sách cá nhân, mỗi lần đăng nhập (kể cả sai mật khẩu, bị "
            "tạm khóa), mỗi thay đổi tài khoản và mỗi lần nạp danh sách đều được ghi lại, kèm "
            "mã băm nối tiếp nhau để phát hiện mục bị sửa hay xóa (kiểm tra bằng lệnh "
            "python -m auth.audit verify). Nhật ký lưu {years} năm.",
            "Every view or download of a personal list, every sign-in (wrong passwords and "
            "lock-outs too), every account change and every list loaded is recorded, each entry "
            "chained to the one before by its hash so that an edited or deleted entry is found "
            "(check with python -m auth.audit verify). Entries are kept {years} years.",
        ),
        "since": ("Từ ngày", "From"),
        "until": ("Đến ngày", "To"),
        "user": ("Người dùng", "User"),
        "anyone": ("Tất cả", "Everyone"),
        "nobody": ("(chưa đăng nhập)", "(not signed in)"),
        "events": ("Loại việc", "What happened"),
        "person": ("Dữ liệu của người (họ tên hoặc số CCCD)", "Whose data (name or CCCD)"),
        "matched": (
            "Lọc theo {n} người tìm thấy (tối đa {limit}):",
            "Filtered on the {n} people found (at most {limit}):",
        ),
        "no_person": ("Không tìm thấy người nào như vậy.", "No such person found."),
        "count": (
            "{shown} / {total} mục, mới nhất trước.",
            "{shown} of {total} entries, newest first.",
        ),
        "none": ("Không có mục nào cho lựa chọn này.", "No entry for this selection."),
        "bad_range": (
            "Ngày bắt đầu sau ngày kết thúc: đã đổi chỗ hai ngày.",
            "The start is after the end: the two days were swapped.",
        ),
        "c_at": ("Thời gian (giờ Việt Nam)", "Time (Vietnam)"),
        "c_user": ("Người dùng", "User"),
        "c_event": ("Việc", "Event"),
        "c_target": ("Danh sách, tệp hoặc tài khoản", "List, file or account"),
        "c_rows": ("Số dòng", "Rows"),
        "c_client": ("Địa chỉ máy", "Client address"),
        "c_detail": ("Chi tiết", "Detail"),
        "c_name": ("Họ và tên", "Full name"),
        "c_birth": ("Năm sinh", "Born"),
        "c_commune": ("Xã", "Commune"),
        "c_id": ("Số CCCD", "National id"),
    },
)
# The labels of auth.audit.EVENTS (the stored codes), in its order.
EVENTS = Catalog(
    "pages.audit_log.events",
    {
        "view": ("Xem danh sách cá nhân", "Viewed a personal list"),
        "download": ("Tải tệp", "Downloaded a file"),
        "sign_in": ("Đăng nhập", "Signed in"),
        "sign_in_failed": ("Đăng nhập sai", "Failed sign-in"),
        "sign_in_locked": ("Đăng nhập bị tạm khóa", "Sign-in locked"),
        "account": ("Thay đổi tài khoản", "Account changed"),
        "import": ("Nạp danh sách", "List loaded"),
        "purge": ("Xóa mục quá hạn lưu", "Expired entries purged"),
        "restore": ("Khôi phục từ bản sao lưu", "Restored from a backup"),
        "send": ("Gửi báo cáo qua thư điện tử", "Briefing e-mailed"),
    },
)

page = setup("nav_audit", with_filter_bar=False)
lang = page.lang
user = current_user()
if user is None or not user.may_audit:
    st.error(T("not_allowed", lang), icon="🔒")
    st.stop()

engine = user_store().engine
st.caption(T("intro", lang, years=fmt_int(audit.retention_years(), lang)))
today = datetime.now(UTC).astimezone(VIETNAM_TIME).date()
left, middle, right = st.columns(3)
since = left.date_input(
    T("since", lang), today - timedelta(days=DEFAULT_DAYS), format="DD/MM/YYYY", key="al_since"
)
until = middle.date_input(T("until", lang), today, format="DD/MM/YYYY", key="al_until")
names = audit.actors(engine)
actor = right.selectbox(
    T("user", lang),
    [None, *names],
    format_func=lambda a: T("anyone", lang) if a is None else (a or T("nobody", lang)),
    key="al_user",
)
events = st.multiselect(
    T("events", lang),
    list(audit.EVENTS),
    format_func=lambda e: EVENTS.label(e, lang),
    key="al_events",
)
who = st.text_input(T("person", lang), max_chars=60, key="al_person")
if since > until:
    st.info(T("bad_range", lang))
    since, until = until, since

persons = None
if who.strip():
    found = data.run(find_people, page.filters, page.scope, who)
    persons = [int(p) for p in found["person_id"]]
    if not persons:
        st.info(T("no_person", lang))
        st.stop()
    if not recorded.viewed("audit_person_search", page.filters, len(found), lang, persons):
        st.stop()  # not recorded: not shown (the message says so)
    st.caption(T("matched", lang, n=fmt_int(len(found), lang), limit=fmt_int(FIND_LIMIT, lang)))
    st.dataframe(
        pd.DataFrame(
            {
                T("c_name", lang): found["full_name"],
                T("c_birth", lang): found["birth_year"],
                T("c_commune", lang): found["commune"],
                T("c_id", lang): found["national_id"],
            }
        ),
        hide_index=True,
        width="stretch",
    )

rows, total = audit.search(
    engine,
    since,
    until,
    actor=actor,
    persons=persons,
    events=events or None,
    limit=SHOWN,
    offset_hours=7,
)
if not rows:
    st.info(T("none", lang))
    st.stop()
st.caption(T("count", lang, shown=fmt_int(len(rows), lang), total=fmt_int(total, lang)))
table = pd.DataFrame(
    {
        T("c_at", lang): [fmt_datetime(r["at"], lang) for r in rows],  # type: ignore[arg-type]
        T("c_user", lang): [r["actor"] or T("nobody", lang) for r in rows],
        T("c_event", lang): [EVENTS.label(str(r["event"]), lang) for r in rows],
        T("c_target", lang): [r["target"] for r in rows],
        T("c_rows", lang): [r["row_count"] for r in rows],
        T("c_client", lang): [r["client"] for r in rows],
        T("c_detail", lang): [r["detail"] for r in rows],
    }
)
st.dataframe(table, hide_index=True, width="stretch")
download_buttons(table, "nhat-ky-truy-cap", lang, key="dl_audit")
