"""Nhập số liệu: a data clerk loads a commune's monthly allowance payment list (issue 15 §6).

Only a data clerk (``auth.store.ROLE_CLERK``) sees the page in the bar and may use it; anyone
else who types its address is told so. The clerk picks the month and the commune (a commune
clerk has only theirs), may download the template, and uploads the list: it is checked at once
without writing (a dry run: the problem table, and how many rows would be added, changed,
removed or kept). Errors block; when there are none the button "Nạp vào cơ sở dữ liệu" loads it
through the writer connection (``ingest.connection``), in one transaction, with the summaries
brought up to date; the page then clears the dashboard's cache so every page shows the new
figures, and links to the payouts page of that commune and month.
"""

from __future__ import annotations

import hashlib
from datetime import date

import streamlit as st
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from auth.audit import AuditWriteError
from auth.session import client_key, current_user, user_store
from charts.formatting import fmt_decimal, fmt_int
from data_access.db import make_engine, shown
from data_access.errors import WelfareDataError
from data_access.filters import Filters, Period, add_months, version_in_force
from i18n import Catalog
from ingest.beneficiaries import KIND as BENEFICIARIES
from ingest.classes import KIND as CLASSES
from ingest.connection import writer_url
from ingest.health_checks import KIND as HEALTH_CHECKS
from ingest.housing import KIND as HOUSING
from ingest.job_events import KIND as JOB_EVENTS
from ingest.load import Outcome, import_entry, load_file
from ingest.normalise import Bilingual
from ingest.payments import KIND
from ingest.problems import problem_table
from ingest.read import IngestFileError, sheet_names
from ingest.template import FIELDS, default_file_name, template
from ui import data
from ui.audit import recorded_download
from ui.filters import params_for
from ui.page import setup

MAX_UPLOAD_MB = 20  # a list of 100.000 rows is ~5 MB as .xlsx; .streamlit/config.toml agrees
LIST_KINDS = {
    KIND: "kind_payments",
    BENEFICIARIES: "kind_beneficiaries",
    HOUSING: "kind_housing",
    CLASSES: "kind_classes",
    HEALTH_CHECKS: "kind_health_checks",
    JOB_EVENTS: "kind_job_events",
}
# The page that shows what a list changed, linked after a load.
SHOWN_ON = {
    KIND: ("pages/payouts.py", "💵"),
    BENEFICIARIES: ("pages/payouts.py", "💵"),
    HOUSING: ("pages/housing.py", "🏠"),
    CLASSES: ("pages/training.py", "🎓"),
    HEALTH_CHECKS: ("pages/coverage.py", "🩺"),
    JOB_EVENTS: ("pages/training.py", "🎓"),
}
MONTHS_OFFERED = 36  # the months a list may be for: this one and the 35 before it

T = Catalog(
    "pages.ingest",
    {
        "not_clerk": (
            "Trang này dành cho cán bộ nhập liệu. Tài khoản của bạn không được nhập số liệu.",
            "This page is for data clerks. Your account may not load data.",
        ),
        "no_writer": (
            "Chưa cấu hình kết nối ghi số liệu (biến môi trường WELFARE_WRITER_URL hoặc "
            "[connections.welfare_writer] trong secrets.toml). Liên hệ quản trị hệ thống.",
            "No writing connection is configured (WELFARE_WRITER_URL or "
            "[connections.welfare_writer] in secrets.toml). Contact the administrator.",
        ),
        "writer_down": (
            "Không kết nối được cơ sở dữ liệu để ghi ({url}: {reason}). Không có gì được ghi; "
            "hãy thử lại sau ít phút.",
            "Cannot reach the database for writing ({url}: {reason}). Nothing was written; "
            "try again in a few minutes.",
        ),
        "intro": (
            "Tải lên danh sách của một xã (tệp Excel). Danh sách được kiểm tra từng dòng trước "
            "khi ghi; nếu có lỗi thì không ghi gì. Nạp lại danh sách đã sửa của cùng xã và "
            "tháng sẽ thay danh sách cũ (danh sách đối tượng chỉ thêm và sửa, không xóa ai).",
            "Upload a commune's list (an Excel file). Every row is checked before anything is "
            "written; with any error nothing is. Loading a corrected list for the same commune "
            "and month replaces the earlier one (the beneficiary list only adds and changes; it "
            "removes nobody).",
        ),
        "kind": ("Loại danh sách", "List"),
        "kind_payments": ("Chi trả trợ cấp hằng tháng", "Monthly allowance payments"),
        "kind_beneficiaries": (
            "Đối tượng hưởng trợ cấp hằng tháng (thêm người, sửa hệ số, thôi hưởng)",
            "Allowance beneficiaries (new people, coefficients, end of allowance)",
        ),
        "kind_housing": (
            "Hỗ trợ nhà ở trong năm (xây mới, sửa chữa, tiến độ)",
            "Housing grants of the year (new builds, repairs, progress)",
        ),
        "kind_classes": (
            "Lớp đào tạo nghề khai giảng trong tháng, với học viên",
            "Vocational classes opened in the month, with their learners",
        ),
        "see_classes": (
            "Xem trang Đào tạo nghề & việc làm của {where}",
            "See the training and jobs page of {where}",
        ),
        "see_housing": ("Xem trang Nhà ở của {where}", "See the housing page of {where}"),
        "kind_health_checks": (
            "Khám sức khỏe người cao tuổi trong tháng",
            "Elderly health checks of the month",
        ),
        "kind_job_events": (
            "Giao dịch, tư vấn việc làm trong tháng",
            "Job fairs and consultations of the month",
        ),
        "month": ("Tháng của danh sách", "The list's month"),
        "commune": ("Xã, phường", "Commune"),
        "no_commune": (
            "Không có xã nào trong phạm vi của bạn vào tháng {month}.",
            "No commune in your scope in {month}.",
        ),
        "template": ("Tải mẫu danh sách (Excel)", "Download the list template (Excel)"),
        "columns": ("Các cột của danh sách", "The list's columns"),
        "col_header": ("Tên cột", "Column"),
        "col_meaning": ("Ý nghĩa", "Meaning"),
        "col_format": ("Định dạng", "Format"),
        "col_required": ("Bắt buộc", "Required"),
        "col_example": ("Ví dụ", "Example"),
        "yes": ("Có", "Yes"),
        "no": ("Không", "No"),
        "file": ("Tệp danh sách (.xlsx, .xls, .ods)", "List file (.xlsx, .xls, .ods)"),
        "file_help": (
            "Tệp tối đa {mb} MB. Tệp lớn hơn sẽ bị từ chối: hãy chia danh sách theo xã.",
            "At most {mb} MB per file. Larger files are refused: split the list by commune.",
        ),
        "sheet": ("Trang tính", "Sheet"),
        "checked": (
            "Đã kiểm tra {rows} dòng của {where}: nếu nạp sẽ thêm {added}, sửa {changed}, "
            "xóa {removed}, giữ nguyên {unchanged}.",
            "Checked {rows} rows for {where}: loading would add {added}, change {changed}, "
            "remove {removed} and keep {unchanged}.",
        ),
        "problems": (
            "Các vấn đề tìm thấy ({errors} lỗi, {warnings} cảnh báo)",
            "Problems found ({errors} errors, {warnings} warnings)",
        ),
        "blocked": (
            "Tệp có {errors} lỗi nên không được nạp; chưa có gì được ghi. Sửa các dòng trên "
            "rồi tải tệp lên lại.",
            "The file has {errors} errors and cannot be loaded; nothing was written. Correct "
            "the rows above and upload the file again.",
        ),
        "unchanged": (
            "Danh sách này đã có trong cơ sở dữ liệu: không có gì thay đổi.",
            "This list is already in the database: nothing to change.",
        ),
        "load": ("Nạp vào cơ sở dữ liệu", "Load into the database"),
        "loaded": (
            "Đã nạp danh sách {where}: thêm {added}, sửa {changed}, xóa {removed}, giữ nguyên "
            "{unchanged}. Số liệu tổng hợp đã cập nhật ({seconds} giây); các trang hiển thị số "
            "liệu mới.",
            "Loaded the list of {where}: {added} added, {changed} changed, {removed} removed, "
            "{unchanged} kept. The summaries were brought up to date ({seconds} s); every page "
            "shows the new figures.",
        ),
        "not_logged": (
            "Danh sách đã được nạp, nhưng chưa ghi được vào nhật ký truy cập; hãy báo quản trị "
            "viên (nhật ký nhập số liệu của cơ sở dữ liệu vẫn ghi lần nạp này).",
            "The list is loaded, but the access log could not record it; tell an administrator "
            "(the database's own import log has this load).",
        ),
        "loaded_stale": (
            "Đã nạp danh sách {where}, nhưng chưa cập nhật được bảng tổng hợp: các trang vẫn "
            "tính từ số liệu gốc (đúng nhưng chậm hơn) cho đến khi quản trị chạy "
            "python -m data_access.refresh_summaries.",
            "Loaded the list of {where}, but the summaries could not be brought up to date: the "
            "pages compute from the records (correct, slower) until the administrator runs "
            "python -m data_access.refresh_summaries.",
        ),
        "see_payments": ("Xem trang Chi trả của {where}", "See the payouts page of {where}"),
        "see_beneficiaries": (
            "Xem trang Chi trả của {where}",
            "See the payouts page of {where}",
        ),
        "see_health_checks": (
            "Xem trang Bao phủ của {where}",
            "See the coverage page of {where}",
        ),
        "see_job_events": (
            "Xem trang Đào tạo nghề & việc làm của {where}",
            "See the training and jobs page of {where}",
        ),
        "where": ("{commune}, tháng {month}", "{commune}, {month}"),
    },
)


@st.cache_resource(show_spinner=False)
def _writer(url: str) -> Engine:
    """One writing engine per URL for the process (the import path's own connection)."""
    return make_engine(url, read_only=False)


def _month_label(month: date) -> str:
    return f"{month.month:02d}/{month.year}"


@st.cache_data(show_spinner=False, max_entries=20)
def _sheets(data_bytes: bytes) -> list[str] | str:
    """The file's visible sheets, or the refusal's message pair joined (cached per file)."""
    try:
        return sheet_names(data_bytes)
    except IngestFileError as exc:
        return f"{exc.vi}\n{exc.en}"


def _template_table(kind: str, lang: str) -> None:
    rows = [
        {
            T("col_header", lang): f.header,
            T("col_meaning", lang): f.meaning,
            T("col_format", lang): f.format,
            T("col_required", lang): T("yes" if f.required else "no", lang),
            T("col_example", lang): f.example,
        }
        for f in FIELDS[kind]
    ]
    st.dataframe(rows, hide_index=True, width="stretch")


def _counts(outcome: Outcome, where: str, lang: str) -> dict[str, str]:
    plan = outcome.plan
    return {
        "where": where,
        "rows": fmt_int(plan.rows_in_file, lang),
        "added": fmt_int(len(plan.added), lang),
        "changed": fmt_int(len(plan.changed), lang),
        "removed": fmt_int(len(plan.removed), lang),
        "unchanged": fmt_int(plan.unchanged, lang),
    }


page = setup("nav_ingest", with_filter_bar=False)
lang = page.lang
user = current_user()
if user is None or not user.may_load:
    st.error(T("not_clerk", lang), icon="🔒")
    st.stop()
try:
    url = writer_url()
except WelfareDataError as error:
    st.error(error.message(lang), icon="⚠️")
    st.stop()
if url is None:
    st.warning(T("no_writer", lang), icon="⚙️")
    st.stop()
try:
    writer = _writer(url)
except WelfareDataError as error:
    st.error(error.message(lang), icon="⚠️")
    st.stop()

st.caption(T("intro", lang))
kind = st.radio(
    T("kind", lang),
    list(LIST_KINDS),
    format_func=lambda k: T(LIST_KINDS[k], lang),
    horizontal=True,
    key="ingest_kind",
)
this_month = date.today().replace(day=1)
months = [add_months(this_month, -n) for n in range(MONTHS_OFFERED)]
left, right = st.columns(2)
month = left.selectbox(
    T("month", lang), months, index=1, format_func=_month_label, key="ingest_month"
)
version = version_in_force(month)
names = data.scoped_names(version, page.scope)
if not names:
    st.info(T("no_commune", lang, month=_month_label(month)))
    st.stop()
code = right.selectbox(
    T("commune", lang), list(names), format_func=lambda c: names[c], key="ingest_commune"
)
where = T("where", lang, commune=names[code], month=_month_label(month))

with st.expander(T("columns", lang)):
    _template_table(kind, lang)
template_name = default_file_name(kind, month)
st.download_button(
    T("template", lang),
    data=recorded_download(
        lambda: template(kind, unit_name=names[code], month=month), template_name, None
    ),
    file_name=template_name,
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon="📄",
)
uploaded = st.file_uploader(
    T("file", lang),
    type=["xlsx", "xlsm", "xls", "ods"],
    help=T("file_help", lang, mb=MAX_UPLOAD_MB),
    max_upload_size=MAX_UPLOAD_MB,
    key="ingest_file",
)
st.caption(T("file_help", lang, mb=MAX_UPLOAD_MB))
if uploaded is None:
    st.stop()
content = uploaded.getvalue()
sheets = _sheets(content)
sheet = None
if isinstance(sheets, list) and len(sheets) > 1:
    sheet = st.selectbox(T("sheet", lang), sheets, key="ingest_sheet")

options = {
    "file_name": uploaded.name,
    "commune": code,
    "month": month,
    "scope": page.scope,
    "user": user.username,
    "sheet": sheet,
    "kind": kind,
}
# The check runs once per file and choice (a rerun, a template download, does not repeat it).
digest = hashlib.sha256(content).hexdigest()[:16]
asked = (kind, digest, code, month, sheet, page.scope)
cached = st.session_state.get("ingest_checked")
try:
    if cached is not None and cached[0] == asked:
        checked = cached[1]
    else:
        checked = load_file(writer, content, dry_run=True, **options)  # type: ignore[arg-type]
        checked.plan.release()  # kept for its counts and problems: its spool's file goes now
        st.session_state["ingest_checked"] = (asked, checked)
except Bilingual as exc:  # the schema needs bringing up to date
    st.error(exc.message(lang), icon="⚠️")
    st.stop()
except DBAPIError as exc:
    st.error(T("writer_down", lang, url=shown(url), reason=type(exc.orig).__name__), icon="📡")
    st.stop()
plan = checked.plan
errors = sum(p.severity == "error" for p in plan.problems)
warnings = len(plan.problems) - errors
if plan.batch is not None:
    st.write(T("checked", lang, **_counts(checked, where, lang)))
if plan.problems:
    st.subheader(
        T("problems", lang, errors=fmt_int(errors, lang), warnings=fmt_int(warnings, lang))
    )
    st.dataframe(problem_table(plan.problems, lang), hide_index=True, width="stretch")
if plan.blocked:
    st.error(T("blocked", lang, errors=fmt_int(errors, lang)), icon="⛔")
    st.stop()
if plan.changes == 0:
    st.info(T("unchanged", lang), icon="✅")
    st.stop()
# The button belongs to this file, commune and month: another choice shows a fresh button.
if not st.button(
    T("load", lang), type="primary", key=f"ingest_load_{kind}_{digest}_{code}_{month}"
):
    st.stop()
st.session_state.pop("ingest_checked", None)  # whatever happens, check again next time
try:
    outcome = load_file(writer, content, **options)  # type: ignore[arg-type]
    outcome.plan.release()
except Bilingual as exc:  # busy, or the schema needs bringing up to date
    st.error(exc.message(lang), icon="⚠️")
    st.stop()
except DBAPIError as exc:  # the database went away: nothing was written (one transaction)
    st.error(T("writer_down", lang, url=shown(url), reason=type(exc.orig).__name__), icon="📡")
    st.stop()
if not outcome.written:  # the rows changed between the check and the load: show the new check
    st.rerun()
st.cache_data.clear()  # every page reads the new figures from now on
try:
    user_store().audit.record(import_entry(outcome, client_key(), **options))
except AuditWriteError:
    st.warning(T("not_logged", lang), icon="⚠️")
if outcome.refresh_failed:
    st.warning(T("loaded_stale", lang, where=where), icon="⚠️")
else:
    seconds = fmt_decimal(outcome.summaries_seconds or 0, 1, lang)
    st.success(T("loaded", lang, seconds=seconds, **_counts(outcome, where, lang)), icon="✅")
shown_filters = Filters(
    Period.months(month.year, month.month, month.year, month.month), (code,), version
)
target, icon = SHOWN_ON[kind]
st.page_link(
    target,
    label=T(f"see_{kind}", lang, where=where),
    icon=icon,
    query_params=params_for(shown_filters),
)
