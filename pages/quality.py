"""Kiểm tra số liệu: what is wrong in the user's communes, and which reported figures disagree.

Commune heads answer for their figures ("không để trùng lặp, bỏ sót"). Each check states its
rule in plain words and how many records break it; roles that may see people also get the list,
downloadable so the commune can fix the source records. Then the figures each commune reported
upward beside what the database computes, mismatches highlighted.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from charts.formatting import (
    fmt_date,
    fmt_decimal,
    fmt_int,
    fmt_money_full,
    fmt_month,
    fmt_period,
)
from data_access.errors import WelfareDataError
from data_access.indicators import BY_CODE
from data_access.quality import BY_CHECK, LIST_LIMIT, reconciliation, run_checks
from data_access.queries import reference_date
from i18n import Catalog
from ui import data
from ui.downloads import download_buttons
from ui.page import fail, setup
from vocab import (
    ALLOWANCE_GROUPS,
    CHECK_REASONS,
    CHILD_CATEGORIES,
    DATE_FIELDS,
    GRANT_KINDS,
    RECORD_KINDS,
    status_label,
)

T = Catalog(
    "pages.quality",
    {
        "intro": (
            "Các phép kiểm tra chạy trên toàn bộ hồ sơ của {where}. Kiểm tra theo thời điểm đọc số "
            "liệu vào ngày chốt {ref}; kiểm tra theo tháng dùng các tháng của kỳ đang xem.",
            "The checks run over every record of {where}. Point-in-time checks read the data on "
            "the reference date, {ref}; month-based checks use the months of the period shown.",
        ),
        "where_all": ("toàn huyện", "the whole district"),
        "where_some": ("các xã đang xem", "the communes shown"),
        "summary": ("Tóm tắt các phép kiểm tra", "All checks at a glance"),
        "check": ("Phép kiểm tra", "Check"),
        "count": ("Số trường hợp", "Cases"),
        "reads": ("Đọc số liệu", "Reads"),
        "cases": ("{n} trường hợp", "{n} cases"),
        "none": ("Không phát hiện trường hợp nào.", "No cases found."),
        "counts_only": (
            "Tài khoản của bạn chỉ xem số lượng; danh sách cá nhân dành cho lãnh đạo huyện và xã.",
            "Your account sees counts only; the lists are for district and commune leaders.",
        ),
        "truncated": (
            "Hiện {shown} trong {total} trường hợp đầu tiên; tải về cũng chỉ gồm {shown} dòng này.",
            "Showing the first {shown} of {total} cases; the download holds these {shown} rows.",
        ),
        "masked": (
            "Số CCCD được che, chỉ hiện 4 ký tự cuối (Nghị định 13/2023/NĐ-CP).",
            "National ids are masked but for the last 4 characters (Decree 13/2023/NĐ-CP).",
        ),
        "recon_title": ("Đối chiếu số liệu xã đã báo cáo", "Reported figures reconciled"),
        "recon_rule": (
            "Số liệu mỗi xã đã báo cáo lên huyện theo quý, đặt cạnh số tính lại từ hồ sơ cho "
            "đúng xã, đúng kỳ đó. Dòng tô đỏ là chưa khớp; chênh lệch = số báo cáo − số tính từ "
            "hồ sơ.",
            "The figures each commune reported upward per quarter, beside what the records give "
            "for the same commune and period. Red rows disagree; difference = reported − computed.",
        ),
        "recon_none": (
            "Không có số liệu báo cáo nào của các xã đang xem có kỳ nằm trong kỳ này.",
            "No reported figures of the communes shown fall within this period.",
        ),
        "recon_metric": ("Số liệu báo cáo chưa khớp", "Reported figures that disagree"),
        "recon_count": ("{n} / {total} số liệu", "{n} of {total} figures"),
        "indicator": ("Chỉ tiêu", "Indicator"),
        "commune": ("Xã, thị trấn", "Commune"),
        "period": ("Kỳ báo cáo", "Period"),
        "reported": ("Số xã báo cáo", "Reported"),
        "computed": ("Số tính từ hồ sơ", "Computed"),
        "difference": ("Chênh lệch", "Difference"),
        "match": ("Khớp", "Matches"),
        "yes": ("Khớp", "Yes"),
        "no": ("Chưa khớp", "No"),
        "reported_on": ("Ngày báo cáo", "Reported on"),
        # what a check reads (its period_use)
        "reads_months": ("Các tháng của kỳ", "Months of the period"),
        "reads_reference_date": ("Ngày chốt số liệu", "Reference date"),
        "reads_none": ("Toàn bộ hồ sơ", "All records"),
        # column headers of the checks' lists, by column name
        "group_no": ("Nhóm trùng", "Group"),
        "reason": ("Lý do", "Reason"),
        "person_id": ("Mã hồ sơ cá nhân", "Person id"),
        "full_name": ("Họ và tên", "Full name"),
        "birth_date": ("Ngày sinh", "Born"),
        "national_id": ("Số CCCD", "National id"),
        "unit_code": ("Mã xã", "Commune code"),
        "village": ("Thôn, khu phố", "Village"),
        "records": ("Số hồ sơ trong nhóm", "Records in group"),
        "communes": ("Số xã có hồ sơ", "Communes with a record"),
        "last_card_valid_to": ("Thẻ gần nhất hết hạn", "Last card valid to"),
        "beneficiary_id": ("Mã đối tượng", "Beneficiary id"),
        "month": ("Tháng", "Month"),
        "group_code": ("Nhóm đối tượng", "Group"),
        "start_month": ("Hưởng từ tháng", "From"),
        "end_month": ("Đến tháng", "To"),
        "payment_id": ("Mã khoản chi", "Payment id"),
        "amount_vnd": ("Số tiền", "Amount"),
        "expected_vnd": ("Số tiền theo mức chuẩn × hệ số", "Rate × coefficient"),
        "rate_vnd": ("Mức chuẩn", "Standard rate"),
        "coefficient_x10": ("Hệ số", "Coefficient"),
        "status": ("Trạng thái", "Status"),
        "bank_name": ("Ngân hàng", "Bank"),
        "case_id": ("Mã hồ sơ trẻ em", "Case id"),
        "category": ("Nhóm nguy cơ", "Category"),
        "opened_on": ("Ngày mở hồ sơ", "Opened"),
        "closed_on": ("Ngày đóng hồ sơ", "Closed"),
        "grant_id": ("Mã khoản hỗ trợ", "Grant id"),
        "kind": ("Loại hỗ trợ", "Kind"),
        "approved_on": ("Ngày phê duyệt", "Approved"),
        "deadline": ("Hạn hoàn thành", "Deadline"),
        "started_on": ("Ngày khởi công", "Started"),
        "unit_id": ("Mã đơn vị ghi trong hồ sơ", "Unit id on record"),
        "village_id": ("Mã thôn ghi trong hồ sơ", "Village id on record"),
        "village_commune": ("Thôn thuộc xã", "Village's commune"),
        "record": ("Loại hồ sơ", "Record"),
        "record_id": ("Mã hồ sơ", "Record id"),
        "column_name": ("Trường ngày", "Date field"),
        "record_date": ("Ngày ghi trong hồ sơ", "Date on record"),
    },
)
PERIOD_USES = {  # a check's period_use -> the message saying what it reads
    "months": "reads_months",
    "reference_date": "reads_reference_date",
    "none": "reads_none",
}
# Columns holding stored codes: each shown as its label (an unknown code as stored).
CODE_COLUMNS: dict[str, Callable[[object, str], str]] = {
    "reason": CHECK_REASONS.label,
    "record": RECORD_KINDS.label,
    "column_name": DATE_FIELDS.label,
    "status": status_label,
    "kind": GRANT_KINDS.label,
    "category": CHILD_CATEGORIES.label,
    "group_code": ALLOWANCE_GROUPS.label,
}
MONTH_COLUMNS = {"month", "start_month", "end_month"}
DATE_COLUMNS = {
    "birth_date",
    "last_card_valid_to",
    "opened_on",
    "closed_on",
    "approved_on",
    "deadline",
    "started_on",
    "record_date",
}
MONEY_COLUMNS = {"amount_vnd", "expected_vnd", "rate_vnd"}
ID_COLUMNS = {  # record ids, shown as plain digits (no thousands dots) so they can be looked up
    "group_no",
    "person_id",
    "beneficiary_id",
    "payment_id",
    "case_id",
    "grant_id",
    "unit_id",
    "village_id",
    "record_id",
    "records",
    "communes",
}
MISMATCH_COLOUR = "background-color: #ffd6d6"  # the overview's "below target" red


def _text(value: object, lang: str) -> str:
    """A cell as plain text; a missing value as an empty cell."""
    return "" if value is None or pd.isna(value) else str(value)


def _id(value: float, lang: str) -> str:
    """A record id as plain digits (no thousands dots) so it can be looked up."""
    return "" if pd.isna(value) else str(int(value))


def _month(value: date | None, lang: str) -> str:
    """A month cell: "Tháng 11/2023"; none, an empty cell."""
    return fmt_month(value, lang) if value else ""


def _date(value: date | None, lang: str) -> str:
    """A date cell: "16/7/2021"; none, an empty cell."""
    return fmt_date(value, lang) if value else ""


def _coefficient(value: int, lang: str) -> str:
    """A beneficiary's coefficient, stored ×10 so that it stays whole."""
    return fmt_decimal(value / 10, 1, lang)  # 15 is 1,5


# How each column's cells read; any other column is shown as plain text.
CELLS: dict[str, Callable[[Any, str], str]] = {
    **dict.fromkeys(MONTH_COLUMNS, _month),
    **dict.fromkeys(DATE_COLUMNS, _date),
    **dict.fromkeys(MONEY_COLUMNS, fmt_money_full),
    "coefficient_x10": _coefficient,
    **CODE_COLUMNS,
    **dict.fromkeys(ID_COLUMNS, _id),
}


def display(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A check's records as readable text with Vietnamese headers (names stay plain text)."""
    frame = rows.copy()
    for column in frame.columns:
        cell = CELLS.get(column, _text)
        frame[column] = [cell(v, lang) for v in frame[column]]
    return frame.rename(columns={c: T(c, lang) for c in frame.columns})


def fmt_figure(code: str, value: float, lang: str, signed: bool = False) -> str:
    """A reported or computed figure, exact: 240 đối tượng, 1.234.500.000 đồng."""
    if pd.isna(value):
        return "—"
    ind = BY_CODE[code]
    text = (
        fmt_money_full(value, lang)
        if ind.unit == "money"
        else f"{fmt_int(value, lang)} {ind.counted(lang)}".strip()
    )
    return ("+" + text) if signed and value > 0 else text


page = setup("nav_quality")
lang, filters, scope = page.lang, page.filters, page.scope
try:
    findings = data.run(run_checks, filters, scope, LIST_LIMIT)
    reports = data.run(reconciliation, filters, scope)
except WelfareDataError as error:
    fail(error, lang)

ref = reference_date(filters.period, page.data_range.as_of)
where = T("where_some", lang) if filters.communes or scope.communes else T("where_all", lang)
st.caption(T("intro", lang, where=where, ref=fmt_date(ref, lang)))

st.subheader(T("summary", lang))
summary = pd.DataFrame(
    {
        T("check", lang): [BY_CHECK[f.code].title(lang) for f in findings],
        T("count", lang): [fmt_int(f.total, lang) for f in findings],
        T("reads", lang): [T(PERIOD_USES[BY_CHECK[f.code].period_use], lang) for f in findings],
    }
)
st.dataframe(summary, hide_index=True, width="stretch")
download_buttons(summary, "kiem-tra-tom-tat", lang, key="dl_quality_summary")
if not scope.persons:
    st.info(T("counts_only", lang))
else:
    st.caption(T("masked", lang))

for found in findings:
    check = BY_CHECK[found.code]
    with st.container(border=True):
        left, right = st.columns([1, 3])
        left.metric(check.title(lang), T("cases", lang, n=fmt_int(found.total, lang)))
        right.caption(check.rule(lang))
        if found.total == 0:
            st.success(T("none", lang))
        elif found.rows is not None:
            shown = display(found.rows, lang)
            st.dataframe(shown, hide_index=True, width="stretch")
            if found.total > len(shown):
                st.caption(
                    T(
                        "truncated",
                        lang,
                        shown=fmt_int(len(shown), lang),
                        total=fmt_int(found.total, lang),
                    )
                )
            download_buttons(shown, f"kiem-tra-{found.code}", lang, key=f"dl_{found.code}")

st.subheader(T("recon_title", lang))
st.caption(T("recon_rule", lang))
if reports.empty:
    st.info(T("recon_none", lang))
else:
    # Mismatches first, so the red rows are the first thing seen; otherwise by period, commune.
    reports = reports.sort_values("mismatch", ascending=False, kind="stable").reset_index(drop=True)
    mismatches = int(reports["mismatch"].sum())
    st.metric(
        T("recon_metric", lang),
        T("recon_count", lang, n=fmt_int(mismatches, lang), total=fmt_int(len(reports), lang)),
    )
    table = pd.DataFrame(
        {
            T("indicator", lang): [
                f"{c} · {BY_CODE[c].label(lang)}" if c in BY_CODE else c
                for c in reports["indicator"]
            ],
            T("commune", lang): list(reports["commune"]),
            T("period", lang): [
                fmt_period(a, b, lang)
                for a, b in zip(reports["period_start"], reports["period_end"], strict=True)
            ],
            T("reported", lang): [
                fmt_figure(c, v, lang)
                for c, v in zip(reports["indicator"], reports["reported"], strict=True)
            ],
            T("computed", lang): [
                fmt_figure(c, v, lang)
                for c, v in zip(reports["indicator"], reports["computed"], strict=True)
            ],
            T("difference", lang): [
                fmt_figure(c, v, lang, signed=True)
                for c, v in zip(reports["indicator"], reports["difference"], strict=True)
            ],
            T("match", lang): [T("no", lang) if m else T("yes", lang) for m in reports["mismatch"]],
            T("reported_on", lang): [fmt_date(d, lang) for d in reports["reported_on"]],
        }
    )
    flagged = list(reports["mismatch"])
    styled = table.style.apply(
        lambda row: [MISMATCH_COLOUR if flagged[row.name] else ""] * len(row), axis=1
    )
    st.dataframe(styled, hide_index=True, width="stretch")
    download_buttons(table, "doi-chieu-so-lieu-bao-cao", lang, key="dl_reconciliation")
