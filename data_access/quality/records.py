"""Checks on any record: housing grants past their deadline, amounts of zero or less, and dates
in the future.

Each entry is one ``@check``: its words and the query that lists the offending records.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from .. import schema as s
from ..definitions import (
    EARLIEST_BIRTH,
    EARLIEST_DATE,
    MAX_EVENT_PEOPLE,
    MAX_GRANT_VND,
    MAX_PAYMENT_VND,
    coefficient_valid,
    grant_counted,
)
from ..sql import valid_date
from .check import check
from .context import Context, Statement, candidate, in_scope, owner_name, scanned, unit_columns

FUTURE_TOLERANCE_DAYS = 31  # the as-of date follows the payment run; other registers may lead it


@check(
    "housing_overdue",
    title=(
        "Hỗ trợ nhà ở quá hạn chưa hoàn thành",
        "Housing grant past its deadline, not completed",
    ),
    rule=(
        "Khoản hỗ trợ xây mới hoặc sửa chữa nhà đã phê duyệt trước ngày chốt số liệu của kỳ "
        "đang xem, có hạn hoàn thành trước ngày đó, mà đến ngày đó vẫn chưa hoàn thành.",
        "A new-build or repair grant approved before the reference date of the period shown, "
        "with a deadline before that day, and still not completed on it.",
    ),
    action=(
        "Liên hệ hộ gia đình, ghi ngày khởi công hoặc hoàn thành, hoặc gia hạn thời hạn hoàn "
        "thành.",
        "Contact the household and record the start or completion date, or extend the deadline.",
    ),
    order=("unit_code", "deadline", "grant_id"),
    personal=frozenset({"grant_id", "full_name"}),
    period_use="reference_date",
)
def housing_overdue(ctx: Context) -> Statement:
    """Housing grants past their deadline and not completed on the reference date."""
    g, u = s.housing_grant, s.admin_unit.alias("u")
    return (
        sa.select(
            g.c.id.label("grant_id"),
            owner_name(g.c.household_id).label("full_name"),
            *unit_columns(u),
            g.c.kind,
            g.c.amount_vnd,
            g.c.approved_on,
            g.c.deadline,
            g.c.started_on,
            g.c.status,
        )
        .select_from(g)
        .join(u, u.c.id == g.c.admin_unit_id, isouter=True)
        .where(
            g.c.approved_on <= ctx.ref,
            g.c.deadline < ctx.ref,
            sa.or_(g.c.completed_on.is_(None), g.c.completed_on > ctx.ref),
            in_scope(g.c.admin_unit_id, ctx),
        )
    )


@check(
    "non_positive_amount",
    title=("Số tiền bằng 0 hoặc âm", "Amount of zero or less"),
    rule=(
        "Khoản chi trả trợ cấp cho một tháng của kỳ đang xem, hoặc khoản hỗ trợ nhà ở có ngày "
        "phê duyệt trong kỳ, có số tiền bằng 0 hoặc âm.",
        "An allowance payment for a month of the period shown, or a housing grant approved in "
        "it, of zero đồng or less.",
    ),
    action=(
        "Kiểm tra chứng từ, nhập lại số tiền đúng hoặc xóa bản ghi nhập nhầm.",
        "Check the voucher, then enter the correct amount or delete the record entered by mistake.",
    ),
    order=("record", "record_date", "record_id"),
    personal=frozenset({"record_id", "full_name"}),
    period_use="months",
    candidates=("record_id", None),
)
def non_positive_amount(ctx: Context) -> Statement:
    """Allowance payments (months of the period) and housing grants (approved in it) ≤ 0 đồng."""
    pay, b, p, g = s.allowance_payment, s.allowance_beneficiary, s.person, s.housing_grant
    pu, gu = s.admin_unit.alias("pu"), s.admin_unit.alias("gu")
    payments = (
        sa.select(
            sa.literal("allowance_payment", sa.String).label("record"),
            pay.c.id.label("record_id"),
            p.c.full_name,
            *unit_columns(pu),
            pay.c.month.label("record_date"),
            pay.c.amount_vnd,
        )
        .select_from(pay)
        .join(b, b.c.id == pay.c.beneficiary_id)
        .join(p, p.c.id == b.c.person_id)
        .join(pu, pu.c.id == pay.c.admin_unit_id, isouter=True)
        .where(
            candidate(pay.c.id, ctx, "non_positive_amount", pay),
            pay.c.amount_vnd <= 0,
            scanned(pay.c.month).between(ctx.period.start, ctx.period.end),
            in_scope(pay.c.admin_unit_id, ctx),
        )
    )
    grants = (
        sa.select(
            sa.literal("housing_grant", sa.String).label("record"),
            g.c.id.label("record_id"),
            owner_name(g.c.household_id).label("full_name"),
            *unit_columns(gu),
            g.c.approved_on.label("record_date"),
            g.c.amount_vnd,
        )
        .select_from(g)
        .join(gu, gu.c.id == g.c.admin_unit_id, isouter=True)
        .where(
            candidate(g.c.id, ctx, "non_positive_amount", g),
            g.c.amount_vnd <= 0,
            g.c.approved_on.between(ctx.period.start, ctx.period.end_date),
            in_scope(g.c.admin_unit_id, ctx),
        )
    )
    return sa.union_all(payments, grants)


# The date columns that must not lie in the future, with how far ahead of the data's as-of date
# each may lie. Payment months count now that the as-of date ignores them beyond today
# (``definitions.data_as_of``); planned dates (card expiry, grant deadline, class end, last month
# on the list) are legitimately ahead, but not by more than ``PLANNED_TOLERANCE_DAYS``.
PLANNED_TOLERANCE_DAYS = 5 * 366  # a BHYT card, a class or a grant is planned for a few years
FUTURE_COLUMNS: list[tuple[sa.Table, str, int]] = [
    (s.person, "birth_date", FUTURE_TOLERANCE_DAYS),
    (s.person, "died_on", FUTURE_TOLERANCE_DAYS),
    (s.health_insurance_card, "valid_from", FUTURE_TOLERANCE_DAYS),
    (s.health_insurance_card, "valid_to", PLANNED_TOLERANCE_DAYS),
    (s.health_check, "check_date", FUTURE_TOLERANCE_DAYS),
    (s.child_case, "opened_on", FUTURE_TOLERANCE_DAYS),
    (s.child_case, "supported_on", FUTURE_TOLERANCE_DAYS),
    (s.child_case, "closed_on", FUTURE_TOLERANCE_DAYS),
    (s.child_protection_board, "established_on", FUTURE_TOLERANCE_DAYS),
    (s.village, "child_collaborator_since", FUTURE_TOLERANCE_DAYS),
    (s.housing_grant, "approved_on", FUTURE_TOLERANCE_DAYS),
    (s.housing_grant, "started_on", FUTURE_TOLERANCE_DAYS),
    (s.housing_grant, "completed_on", FUTURE_TOLERANCE_DAYS),
    (s.housing_grant, "deadline", PLANNED_TOLERANCE_DAYS),
    (s.vocational_class, "start_date", FUTURE_TOLERANCE_DAYS),
    (s.vocational_class, "end_date", PLANNED_TOLERANCE_DAYS),
    (s.job_event, "event_date", FUTURE_TOLERANCE_DAYS),
    (s.allowance_beneficiary, "start_month", FUTURE_TOLERANCE_DAYS),
    (s.allowance_beneficiary, "end_month", PLANNED_TOLERANCE_DAYS),
    (s.allowance_payment, "month", FUTURE_TOLERANCE_DAYS),
    (s.allowance_payment, "paid_on", FUTURE_TOLERANCE_DAYS),
]
# The earliest plausible day of each date column (``definitions``): 1/1/1900 is the placeholder
# many systems write for "unknown", and nothing of these programmes happened before 2000.
EARLIEST: dict[str, date] = {"birth_date": EARLIEST_BIRTH, "died_on": EARLIEST_BIRTH}
EARLY_COLUMNS: list[tuple[sa.Table, str]] = [(t, c) for t, c, _ in FUTURE_COLUMNS]


def future_cutoff(ctx: Context, tolerance_days: int = FUTURE_TOLERANCE_DAYS) -> date:
    """Dates after this day are in the future: the as-of date plus the tolerance."""
    return (ctx.as_of or ctx.ref) + timedelta(days=tolerance_days)


def _record_part(
    ctx: Context, code: str, table: sa.Table, condition: sa.ColumnElement[bool]
) -> tuple[sa.Select, sa.ColumnElement[str | None], sa.FromClause]:
    """Rows of ``table`` meeting ``condition`` in scope (among check ``code``'s candidates),
    joined to whom they concern and their commune: (statement, the person's name or NULL, the
    unit alias)."""
    u, p = s.admin_unit.alias("u"), s.person
    stmt = sa.select(table.c.id).select_from(table)
    name: sa.ColumnElement[str | None] = sa.cast(sa.null(), sa.String(120))
    if table is s.person:
        name = table.c.full_name
    elif table is s.allowance_payment:
        b = s.allowance_beneficiary
        stmt = stmt.join(b, b.c.id == table.c.beneficiary_id).join(p, p.c.id == b.c.person_id)
        name = p.c.full_name
    elif "person_id" in table.c:
        stmt = stmt.join(p, p.c.id == table.c.person_id)
        name = p.c.full_name
    elif table is s.housing_grant:
        name = owner_name(table.c.household_id)
    # A BHYT card has no unit of its own: it counts under its holder's.
    unit = table.c.admin_unit_id if "admin_unit_id" in table.c else p.c.admin_unit_id
    stmt = stmt.join(u, u.c.id == unit, isouter=True).where(
        candidate(table.c.id, ctx, code, table), condition, in_scope(unit, ctx)
    )
    return stmt, name, u


def _future_part(ctx: Context, table: sa.Table, column: str, cutoff: date) -> sa.Select:
    day = table.c[column]
    # And a real date: '2023-13-45' is "later" than 2023-12-31 as text, and cannot be read back
    # as a date (check date_out_of_range lists it). The comparison first: SQLite then calls
    # date() only for the few rows past the cutoff.
    condition = sa.and_(day > cutoff, valid_date(day))
    stmt, name, u = _record_part(ctx, "future_date", table, condition)
    return stmt.with_only_columns(
        sa.literal(table.name, sa.String).label("record"),
        sa.literal(column, sa.String).label("column_name"),
        table.c.id.label("record_id"),
        name.label("full_name"),
        *unit_columns(u),
        day.label("record_date"),
    )


@check(
    "future_date",
    title=("Hồ sơ ghi ngày chưa tới", "Record dated on a day not yet come"),
    rule=(
        f"Một ngày ghi trong hồ sơ (ngày sinh, ngày mất, ngày khám, ngày mở, hỗ trợ, đóng hồ sơ "
        f"trẻ em, ngày phê duyệt, khởi công, hoàn thành nhà, ngày khai giảng, ngày hội nghị, "
        f"tháng chi trả, ngày chi trả…) muộn hơn ngày có số liệu mới nhất quá "
        f"{FUTURE_TOLERANCE_DAYS} ngày, tức là một ngày chưa tới, thường do gõ nhầm năm (2032 "
        f"thay cho 2022); ngày dự kiến (thẻ BHYT hết hạn, hạn hoàn thành nhà, ngày bế giảng, "
        f"tháng thôi hưởng) thì quá 5 năm. Xét mọi hồ sơ, không theo kỳ đang xem: ngày chưa "
        f"tới là sai ở bất kỳ kỳ nào, và không làm dịch ngày có số liệu mới nhất.",
        f"A date on a record (birth, death, health check, child case, housing grant, class, "
        f"event, payment month, payment…) more than {FUTURE_TOLERANCE_DAYS} days after the "
        f"latest data: a day that has not come yet, usually a mistyped year (2032 for 2022); "
        f"for a planned date (card expiry, grant deadline, class end, last month on the list), "
        f"more than 5 years after. Every record is checked, whatever the period shown: such a "
        f"date is wrong in any period, and it does not move the latest data's day.",
    ),
    action=(
        "Đối chiếu giấy tờ gốc và sửa lại ngày nhập nhầm trong hồ sơ.",
        "Check the original paperwork and correct the mistyped date on the record.",
    ),
    order=("record", "column_name", "record_id"),
    personal=frozenset({"record_id", "full_name"}),
    period_use="none",
    candidates=("record_id", None),
)
def future_date(ctx: Context) -> Statement:
    """Dates later than the data's as-of date plus each column's tolerance."""
    return sa.union_all(
        *(_future_part(ctx, t, c, future_cutoff(ctx, days)) for t, c, days in FUTURE_COLUMNS)
    )


def _out_of_range_part(ctx: Context, table: sa.Table, column: str) -> sa.Select:
    day = table.c[column]
    earliest = EARLIEST.get(column, EARLIEST_DATE)
    # Too early, or no date at all (a text earlier than ``earliest`` is out of range either
    # way): one date() per row on SQLite, none on PostgreSQL.
    wrong = sa.and_(day.is_not(None), sa.or_(day < earliest, sa.not_(valid_date(day))))
    stmt, name, u = _record_part(ctx, "date_out_of_range", table, wrong)
    return stmt.with_only_columns(
        sa.literal(table.name, sa.String).label("record"),
        sa.literal(column, sa.String).label("column_name"),
        table.c.id.label("record_id"),
        name.label("full_name"),
        *unit_columns(u),
        # as stored, in text: a value that is no date cannot be read back as one
        sa.cast(day, sa.String(40)).label("stored_value"),
    )


@check(
    "date_out_of_range",
    title=("Ngày ghi sai hoặc quá sớm", "Date that is no date, or implausibly early"),
    rule=(
        f"Một ngày ghi trong hồ sơ không phải là ngày có thật (như “2023-13-45”), hoặc sớm hơn "
        f"ngày {EARLIEST_DATE:%d/%m/%Y} (ngày sinh, ngày mất: sớm hơn "
        f"{EARLIEST_BIRTH:%d/%m/%Y}; ngày 01/01/1900 thường là ngày điền thay cho “không rõ”). "
        f"Những hồ sơ này không được tính vào số liệu và không làm dịch khoảng thời gian có số "
        f"liệu. Xét mọi hồ sơ, không theo kỳ đang xem.",
        f"A date on a record that is no real date (such as “2023-13-45”), or earlier than "
        f"{EARLIEST_DATE:%d/%m/%Y} (birth and death dates: earlier than "
        f"{EARLIEST_BIRTH:%d/%m/%Y}; 01/01/1900 is often written for “unknown”). Such records "
        f"are left out of the figures and do not stretch the period the data covers. Every "
        f"record is checked, whatever the period shown.",
    ),
    action=(
        "Đối chiếu giấy tờ gốc và nhập lại ngày đúng; để trống nếu không rõ.",
        "Check the original paperwork and enter the right date; leave it empty if unknown.",
    ),
    order=("record", "column_name", "record_id"),
    personal=frozenset({"record_id", "full_name"}),
    period_use="none",
    candidates=("record_id", None),
)
def date_out_of_range(ctx: Context) -> Statement:
    """Dates that are no date (SQLite stores any text), or earlier than the column's earliest."""
    return sa.union_all(*(_out_of_range_part(ctx, t, c) for t, c in EARLY_COLUMNS))


def _implausible_part(
    ctx: Context,
    table: sa.Table,
    column: str,
    counted: sa.ColumnElement[bool],
    day: sa.ColumnElement[date],
) -> sa.Select:
    stmt, name, u = _record_part(ctx, "implausible_value", table, sa.not_(counted))
    return stmt.with_only_columns(
        sa.literal(table.name, sa.String).label("record"),
        sa.literal(column, sa.String).label("column_name"),
        table.c.id.label("record_id"),
        name.label("full_name"),
        *unit_columns(u),
        sa.case((valid_date(day), day), else_=sa.null()).label("record_date"),
        sa.cast(table.c[column], sa.BigInteger).label("value"),
    )


_PEOPLE_VI = f"{MAX_EVENT_PEOPLE:,}".replace(",", ".")  # 100.000


@check(
    "implausible_value",
    title=(
        "Số tiền, số người, hệ số không thể đúng",
        "Amount, head count or coefficient that cannot be true",
    ),
    rule=(
        f"Khoản chi trả trợ cấp hằng tháng âm hoặc từ {MAX_PAYMENT_VND // 1_000_000} triệu đồng "
        f"trở lên; khoản hỗ trợ nhà ở âm hoặc từ {MAX_GRANT_VND // 1_000_000_000} tỷ đồng trở "
        f"lên; hội nghị việc làm có số người tham dự hoặc đăng ký âm hay quá "
        f"{_PEOPLE_VI} người. Những hồ sơ này không được tính vào số liệu nào (kinh phí, số "
        "khoản chi, số hộ được hỗ trợ…) cho tới khi được sửa. Đối tượng có hệ số trợ cấp "
        "ngoài khoảng 0,1–10: không xác định được số tiền phải chi, nên khoản chi của họ không "
        "được so với mức chuẩn × hệ số. Xét mọi hồ sơ, không theo kỳ đang xem.",
        f"A monthly allowance payment below zero or of {MAX_PAYMENT_VND // 1_000_000} million "
        f"đồng or more; a housing grant below zero or of {MAX_GRANT_VND // 1_000_000_000} "
        f"billion đồng or more; a job event with attendees or registrations below zero or over "
        f"{MAX_EVENT_PEOPLE:,}. Such records are left out of every figure (money, payments, "
        "households supported…) until corrected. A beneficiary whose coefficient lies outside "
        "0.1–10: the amount due is unknown, so their payments are not compared with rate × "
        "coefficient. Every record is checked, whatever the period shown.",
    ),
    action=(
        "Đối chiếu chứng từ gốc và nhập lại số đúng (thường là gõ thừa chữ số).",
        "Check the original voucher and enter the right number (usually extra digits typed).",
    ),
    order=("record", "column_name", "record_id"),
    personal=frozenset({"record_id", "full_name"}),
    period_use="none",
    candidates=("record_id", None),
)
def implausible_value(ctx: Context) -> Statement:
    """Payments, grants and job events that ``definitions`` leaves out of every figure."""
    pay, g, e, b = s.allowance_payment, s.housing_grant, s.job_event, s.allowance_beneficiary
    amount = sa.and_(pay.c.amount_vnd >= 0, pay.c.amount_vnd < MAX_PAYMENT_VND)
    people = MAX_EVENT_PEOPLE
    return sa.union_all(
        _implausible_part(ctx, pay, "amount_vnd", amount, pay.c.month),
        _implausible_part(ctx, g, "amount_vnd", grant_counted(g), g.c.approved_on),
        _implausible_part(ctx, e, "attendees", e.c.attendees.between(0, people), e.c.event_date),
        _implausible_part(ctx, e, "registered", e.c.registered.between(0, people), e.c.event_date),
        _implausible_part(ctx, b, "coefficient_x10", coefficient_valid(b), b.c.start_month),
    )
