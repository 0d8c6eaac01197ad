"""Kiểm tra số liệu: what is wrong in the user's communes, what to do about it, and which
reported figures disagree.

Commune heads answer for their figures ("không để trùng lặp, bỏ sót"). Each check states its
rule in plain words, what it looks at for the period shown (its months, the situation on the
reference date, or every record), how many records break it and what the commune is expected to
do; roles that may see people also get the list, downloadable so the commune can fix the source
records — a duplicate names the other communes holding a copy, never that copy. Then the figures
each commune reported upward beside what the database computes, mismatches highlighted, each
linked to the person list behind it for roles that may see people.
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
from data_access.excluded import excluded_counts
from data_access.filters import VERSION_2023, Filters, Period, Scope
from data_access.indicators import BY_CODE
from data_access.organisation import whole_area
from data_access.persons import PEOPLE_BEHIND, check_records, people_of
from data_access.quality import (
    BY_CHECK,
    LIST_LIMIT,
    OTHER_COMMUNES_SEPARATOR,
    Check,
    reconciliation,
    run_checks,
)
from data_access.queries import reference_date
from i18n import Catalog
from ui import audit, data
from ui.downloads import download_buttons
from ui.links import PERSONS_PAGE, person_list_params
from ui.page import fail, setup
from ui.text import plain
from vocab import (
    ALLOWANCE_GROUPS,
    CHECK_REASONS,
    CHILD_CATEGORIES,
    DATE_FIELDS,
    GRANT_KINDS,
    PAYMENT_METHODS,
    RECORD_KINDS,
    STOP_GROUNDS,
    status_label,
)

T = Catalog(
    "pages.quality",
    {
        "intro": (
            "Phạm vi: {where}. Các phép kiểm tra xét hồ sơ theo kỳ đang xem; ngày chốt số liệu "
            "của kỳ là {ref}: ngày cuối kỳ, hoặc ngày có số liệu mới nhất nếu kỳ chưa hết. Cột "
            "“Xét theo” cho biết mỗi phép kiểm tra xét các tháng của kỳ, tình hình vào ngày chốt "
            "số liệu, hay mọi hồ sơ (với những lỗi sai ở bất kỳ kỳ nào).",
            "Scope: {where}. The checks look at the records for the period shown; the period's "
            "reference date is {ref}: its last day, or the latest data's day if the period has "
            "not ended. The column “Looks at” says whether a check looks at the months of the "
            "period, the situation on the reference date, or every record (for errors that are "
            "wrong in any period).",
        ),
        "excluded": (
            "Trong kỳ này, {payments} khoản chi trả, {grants} khoản hỗ trợ nhà ở và {events} hội "
            "nghị việc làm có số liệu không thể đúng nên bị loại khỏi mọi số liệu của bảng số "
            "liệu; danh sách ở mục “{check}” dưới đây.",
            "In this period, {payments} payments, {grants} housing grants and {events} job events "
            "hold values that cannot be true and are left out of every figure of the dashboard; "
            "they are listed under “{check}” below.",
        ),
        "summary": ("Tóm tắt các phép kiểm tra", "All checks at a glance"),
        "check": ("Phép kiểm tra", "Check"),
        "count": ("Số trường hợp", "Cases"),
        "reads": ("Xét theo", "Looks at"),
        "todo": ("Việc cần làm", "What to do"),
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
            "Số CCCD và số tài khoản được che, chỉ hiện 4 ký tự cuối (Luật Bảo vệ dữ liệu cá "
            "nhân 2025).",
            "National ids and bank accounts are masked but for the last 4 characters (Law on "
            "Personal Data Protection, 2025).",
        ),
        "recon_title": ("Đối chiếu số liệu xã đã báo cáo", "Reported figures reconciled"),
        "recon_rule": (
            "Số liệu mỗi xã đã báo cáo lên huyện theo quý, đặt cạnh số tính lại từ hồ sơ cho đúng "
            "xã, đúng kỳ đó. Dòng tô đỏ là chưa khớp; chênh lệch = số báo cáo − số tính từ hồ sơ.",
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
        # what a check looks at for the period shown (its period_use)
        "reads_months": ("Các tháng của kỳ ({period})", "The months of {period}"),
        "reads_reference_date": ("Tình hình ngày {ref}", "The situation on {ref}"),
        "reads_none": ("Mọi hồ sơ, không theo kỳ", "Every record, whatever the period"),
        # links from a mismatched reported figure to the people behind it
        "recon_links": (
            "Xem những người, hồ sơ đứng sau các số liệu chưa khớp:",
            "See the people and records behind the figures that disagree:",
        ),
        "recon_link": ("{list}: {commune}, {period}", "{list}: {commune}, {period}"),
        "list_beneficiaries": ("Đối tượng hưởng trợ cấp", "Allowance beneficiaries"),
        "list_housing": ("Hỗ trợ nhà ở", "Housing grants"),
        "list_enrolments": ("Học viên học nghề", "Vocational learners"),
        "list_payments": ("Chi trả hằng tháng", "Monthly payments"),
        "list_health_visits": ("Khám sức khỏe người cao tuổi", "Elderly health visits"),
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
        "other_communes": ("Hồ sơ còn lại ở xã", "Other record in"),
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
        # the payment-control checks (issue 16)
        "ground": ("Căn cứ dừng chi", "Ground"),
        "died_on": ("Ngày mất", "Died on"),
        "effective_month": ("Quyết định có hiệu lực từ tháng", "Decision in force from"),
        "method": ("Hình thức nhận", "Method"),
        "paid_on": ("Ngày chi", "Paid on"),
        "sex": ("Giới tính", "Sex"),
        "found": ("Chữ số trên CCCD", "Digits on the card"),
        "expected": ("Chữ số đúng theo hồ sơ", "Digits the record gives"),
        "age": ("Tuổi", "Age"),
        "min_age": ("Tuổi tối thiểu của nhóm", "Group's minimum age"),
        "bank_account": ("Số tài khoản", "Account"),
        "people": ("Số người dùng chung tài khoản", "People sharing the account"),
        "sex_M": ("Nam", "Male"),
        "sex_F": ("Nữ", "Female"),
        # the checks of values that cannot be true and of the reference tables (issue 18)
        "value": ("Giá trị ghi trong hồ sơ", "Value on record"),
        "stored_value": ("Giá trị ghi trong hồ sơ", "Value on record"),
        "rate_id": ("Mã dòng mức chuẩn", "Rate row id"),
        "other_rate_id": ("Chồng lấn với dòng", "Overlaps row"),
        "valid_from": ("Hiệu lực từ", "In force from"),
        "valid_to": ("Hiệu lực đến", "In force to"),
        "legal_basis": ("Căn cứ", "Legal basis"),
        "problem": ("Vấn đề", "Problem"),
        "target_id": ("Mã chỉ tiêu", "Target id"),
        "year": ("Năm", "Year"),
        # what is wrong with a reference row (the checks' "problem" codes)
        "problem_overlap": ("Trùng thời gian hiệu lực với dòng khác", "Overlaps another row"),
        "problem_bad_amount": ("Mức chuẩn bằng 0, âm hoặc quá lớn", "Zero, negative or huge"),
        "problem_ends_before_start": ("Hết hiệu lực trước khi bắt đầu", "Ends before it starts"),
        "problem_used": ("Dòng đang được dùng", "The row in use"),
        "problem_not_used": ("Dòng trùng, không được dùng", "Duplicate, not used"),
        "problem_missing": ("Không có giá trị", "No value"),
        "problem_negative": ("Âm", "Negative"),
        "problem_too_large": ("Lớn quá mức có thể có", "Larger than any can be"),
        "problem_ratio_above_one": ("Tỷ lệ lớn hơn 100%", "A ratio above 100%"),
        # fields the date and value checks name that are not in vocab.DATE_FIELDS
        "field_month": ("Tháng chi trả", "Payment month"),
        "field_valid_to": ("Thẻ có hiệu lực đến", "Card valid to"),
        "field_deadline": ("Hạn hoàn thành", "Deadline"),
        "field_end_date": ("Ngày bế giảng", "End date"),
        "field_end_month": ("Đến tháng", "Last month"),
        "field_amount_vnd": ("Số tiền", "Amount"),
        "field_attendees": ("Số người tham dự", "Attendees"),
        "field_registered": ("Số người đăng ký việc làm", "Registered for a job"),
    },
)
LIST_LABELS = {  # a person list (data_access.persons.LISTS) -> its name in a link
    "beneficiaries": "list_beneficiaries",
    "housing": "list_housing",
    "enrolments": "list_enrolments",
    "payments": "list_payments",
    "health_visits": "list_health_visits",
}


def _field(code: object, lang: str) -> str:
    """The field a check names: vocab's label, this page's for the fields vocab lacks, else the
    code as stored."""
    if code in DATE_FIELDS:
        return DATE_FIELDS.label(code, lang)
    key = f"field_{code}"
    return T(key, lang) if key in T else _text(code, lang)


def _problem(code: object, lang: str) -> str:
    """What is wrong with a reference row, from the check's code; an unknown code as stored."""
    key = f"problem_{code}"
    return T(key, lang) if key in T else _text(code, lang)


def _sex(code: object, lang: str) -> str:
    """A person's sex as stored (M / F) in words; an unknown code as stored."""
    key = f"sex_{code}"
    return T(key, lang) if key in T else _text(code, lang)


def _number(value: object, lang: str) -> str:
    """A value as stored, whatever its size: whole numbers exact ("9.223.372.036.854.775.807"),
    others with two decimals, NaN and infinities as "—" (never an error for a huge value)."""
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return "—"
    if isinstance(value, float) and value.is_integer():
        return fmt_int(value, lang)
    if isinstance(value, float):
        return fmt_decimal(value, 2, lang)
    return fmt_int(value, lang)  # type: ignore[arg-type]


# Columns holding stored codes: each shown as its label (an unknown code as stored).
CODE_COLUMNS: dict[str, Callable[[object, str], str]] = {
    "reason": CHECK_REASONS.label,
    "record": RECORD_KINDS.label,
    "column_name": _field,
    "problem": _problem,
    "status": status_label,
    "kind": GRANT_KINDS.label,
    "category": CHILD_CATEGORIES.label,
    "group_code": ALLOWANCE_GROUPS.label,
    "ground": STOP_GROUNDS.label,
    "method": PAYMENT_METHODS.label,
    "sex": _sex,
}
MONTH_COLUMNS = {"month", "start_month", "end_month", "effective_month"}
DATE_COLUMNS = {
    "birth_date",
    "died_on",
    "paid_on",
    "last_card_valid_to",
    "opened_on",
    "closed_on",
    "approved_on",
    "deadline",
    "started_on",
    "record_date",
    "valid_from",
    "valid_to",
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
    "rate_id",
    "other_rate_id",
    "target_id",
    "year",
    "age",
    "min_age",
    "people",
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


def _communes(value: str | None, lang: str) -> str:
    """The other communes of a duplicate group, by name in order; none, an empty cell."""
    if value is None or pd.isna(value):
        return ""
    return ", ".join(sorted(str(value).split(OTHER_COMMUNES_SEPARATOR)))


def _coefficient(value: int, lang: str) -> str:
    """A beneficiary's coefficient, stored ×10 so that it stays whole."""
    return fmt_decimal(value / 10, 1, lang)  # 15 is 1,5


# How each column's cells read; any other column is shown as plain text.
CELLS: dict[str, Callable[[Any, str], str]] = {
    **dict.fromkeys(MONTH_COLUMNS, _month),
    **dict.fromkeys(DATE_COLUMNS, _date),
    **dict.fromkeys(MONEY_COLUMNS, fmt_money_full),
    "coefficient_x10": _coefficient,
    "value": _number,
    "other_communes": _communes,
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


def looks_at(check: Check, filters: Filters, ref: date, lang: str) -> str:
    """What ``check`` looks at for the period shown: its months, a day, or every record."""
    if check.period_use == "months":
        period = fmt_period(filters.period.start, filters.period.end, lang)
        return T("reads_months", lang, period=period)
    if check.period_use == "reference_date":
        return T("reads_reference_date", lang, ref=fmt_date(ref, lang))
    return T("reads_none", lang)


def people_behind(reports: pd.DataFrame, lang: str) -> None:
    """A link to the person list behind each mismatched figure (for roles that may see people):
    that list, for that commune and that reported period."""
    links = [
        (PEOPLE_BEHIND[row.indicator], row)
        for row in reports[reports["mismatch"]].itertuples(index=False)
        if row.indicator in PEOPLE_BEHIND and isinstance(row.unit_code, str)
    ]
    if not links:
        return
    st.caption(T("recon_links", lang))
    for name, row in links:
        period = Period(row.period_start, row.period_end)
        label = T(
            "recon_link",
            lang,
            list=T(LIST_LABELS[name], lang),
            commune=str(row.commune),
            period=fmt_period(period.start, period.end, lang),
        )
        st.page_link(
            PERSONS_PAGE,
            label=plain(label),
            icon="👥",
            query_params=person_list_params(name, Filters(period, (row.unit_code,), VERSION_2023)),
        )


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
    excluded = data.run(excluded_counts, filters, scope)
except WelfareDataError as error:
    fail(error, lang)

ref = reference_date(filters.period, page.data_range.as_of)
shown = filters.communes or (tuple(page.names) if scope.communes is not None else ())
if shown:
    where = ", ".join(page.names.get(c, c) for c in shown)
else:  # the whole area, as the data names it ("Toàn huyện")
    where = data.run(whole_area, filters.with_communes(()), Scope.everything()).label(lang)
st.caption(T("intro", lang, where=plain(where), ref=fmt_date(ref, lang)))
if any(excluded.values()):
    st.warning(
        T(
            "excluded",
            lang,
            payments=fmt_int(excluded["allowance_payment"], lang),
            grants=fmt_int(excluded["housing_grant"], lang),
            events=fmt_int(excluded["job_event"], lang),
            check=BY_CHECK["implausible_value"].title(lang),
        )
    )

st.subheader(T("summary", lang))
summary = pd.DataFrame(
    {
        T("check", lang): [BY_CHECK[f.code].title(lang) for f in findings],
        T("count", lang): [fmt_int(f.total, lang) for f in findings],
        T("reads", lang): [looks_at(BY_CHECK[f.code], filters, ref, lang) for f in findings],
    }
)
st.table(summary, hide_index=True)
download_buttons(summary, "kiem-tra-tom-tat", lang, key="dl_quality_summary")
if not scope.persons:
    st.info(T("counts_only", lang))
else:
    st.caption(T("masked", lang))

# Whose data each check's list shows, and the page's views recorded in the audit trail together
# (one transaction), before any list is drawn: lists whose views cannot be recorded are not.
listed = [f for f in findings if f.total and f.rows is not None]
people: dict[str, tuple[int, ...]] = {}
if scope.persons:
    people = {
        f.code: data.run(people_of, filters, scope, check_records(f.rows))  # type: ignore[arg-type]
        for f in listed
    }
views = [
    audit.View(f"check:{f.code}", filters, len(f.rows), people[f.code])  # type: ignore[arg-type]
    for f in listed
    if scope.persons
]
recorded = audit.viewed_all(views, lang)

for found in findings:
    check = BY_CHECK[found.code]
    with st.container(border=True):
        left, right = st.columns([1, 3])
        left.metric(check.title(lang), T("cases", lang, n=fmt_int(found.total, lang)))
        right.caption(check.rule(lang))
        right.markdown(f"**{T('todo', lang)}:** {plain(check.action(lang))}")
        if found.total == 0:
            st.success(T("none", lang))
        elif found.rows is not None and recorded:
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
            download_buttons(
                shown,
                f"kiem-tra-{found.code}",
                lang,
                key=f"dl_{found.code}",
                subjects=people.get(found.code, ()),
            )

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
    if scope.persons:
        people_behind(reports, lang)
