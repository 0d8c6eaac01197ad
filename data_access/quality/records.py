"""Checks on any record: housing grants past their deadline, amounts of zero or less, and dates
in the future.

Each entry is one ``@check``: its words and the query that lists the offending records.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from .. import schema as s
from .check import check
from .context import Context, Statement, in_scope, owners, scanned, unit_columns

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
    g, u, owner = s.housing_grant, s.admin_unit.alias("u"), owners()
    return (
        sa.select(
            g.c.id.label("grant_id"),
            owner.c.full_name,
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
        .join(owner, owner.c.household_id == g.c.household_id, isouter=True)
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
)
def non_positive_amount(ctx: Context) -> Statement:
    """Allowance payments (months of the period) and housing grants (approved in it) ≤ 0 đồng."""
    pay, b, p, g = s.allowance_payment, s.allowance_beneficiary, s.person, s.housing_grant
    pu, gu, owner = s.admin_unit.alias("pu"), s.admin_unit.alias("gu"), owners()
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
            pay.c.amount_vnd <= 0,
            scanned(pay.c.month).between(ctx.period.start, ctx.period.end),
            in_scope(pay.c.admin_unit_id, ctx),
        )
    )
    grants = (
        sa.select(
            sa.literal("housing_grant", sa.String).label("record"),
            g.c.id.label("record_id"),
            owner.c.full_name,
            *unit_columns(gu),
            g.c.approved_on.label("record_date"),
            g.c.amount_vnd,
        )
        .select_from(g)
        .join(gu, gu.c.id == g.c.admin_unit_id, isouter=True)
        .join(owner, owner.c.household_id == g.c.household_id, isouter=True)
        .where(
            g.c.amount_vnd <= 0,
            g.c.approved_on.between(ctx.period.start, ctx.period.end_date),
            in_scope(g.c.admin_unit_id, ctx),
        )
    )
    return sa.union_all(payments, grants)


# The date columns that must not lie in the future. Left out on purpose: card valid_to, grant
# deadline and class end_date (legitimately ahead), beneficiary end_month (last month paid), and
# payment month — the as-of date is read from it, so it cannot be judged against itself.
FUTURE_COLUMNS: list[tuple[sa.Table, str]] = [
    (s.person, "birth_date"),
    (s.person, "died_on"),
    (s.health_insurance_card, "valid_from"),
    (s.health_check, "check_date"),
    (s.child_case, "opened_on"),
    (s.child_case, "supported_on"),
    (s.child_case, "closed_on"),
    (s.child_protection_board, "established_on"),
    (s.village, "child_collaborator_since"),
    (s.housing_grant, "approved_on"),
    (s.housing_grant, "started_on"),
    (s.housing_grant, "completed_on"),
    (s.vocational_class, "start_date"),
    (s.job_event, "event_date"),
    (s.allowance_beneficiary, "start_month"),
    (s.allowance_payment, "paid_on"),
]


def future_cutoff(ctx: Context) -> date:
    """Dates after this day are in the future: the as-of date plus the tolerance."""
    return (ctx.as_of or ctx.ref) + timedelta(days=FUTURE_TOLERANCE_DAYS)


def _future_part(ctx: Context, table: sa.Table, column: str, cutoff: date) -> sa.Select:
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
        owner = owners()
        stmt = stmt.join(owner, owner.c.household_id == table.c.household_id, isouter=True)
        name = owner.c.full_name
    # A BHYT card has no unit of its own: it counts under its holder's.
    unit = table.c.admin_unit_id if "admin_unit_id" in table.c else p.c.admin_unit_id
    stmt = stmt.join(u, u.c.id == unit, isouter=True).where(
        table.c[column] > cutoff, in_scope(unit, ctx)
    )
    return stmt.with_only_columns(
        sa.literal(table.name, sa.String).label("record"),
        sa.literal(column, sa.String).label("column_name"),
        table.c.id.label("record_id"),
        name.label("full_name"),
        *unit_columns(u),
        table.c[column].label("record_date"),
    )


@check(
    "future_date",
    title=("Hồ sơ ghi ngày chưa tới", "Record dated on a day not yet come"),
    rule=(
        f"Một ngày ghi trong hồ sơ (ngày sinh, ngày mất, ngày khám, ngày mở, hỗ trợ, đóng hồ sơ "
        f"trẻ em, ngày phê duyệt, khởi công, hoàn thành nhà, ngày khai giảng, ngày hội nghị, "
        f"ngày chi trả…) muộn hơn ngày có số liệu mới nhất quá {FUTURE_TOLERANCE_DAYS} ngày, "
        f"tức là một ngày chưa tới, thường do gõ nhầm năm (2032 thay cho 2022). Xét mọi hồ sơ, "
        f"không theo kỳ đang xem: ngày chưa tới là sai ở bất kỳ kỳ nào.",
        f"A date on a record (birth, death, health check, child case, housing grant, class, "
        f"event, payment…) more than {FUTURE_TOLERANCE_DAYS} days after the latest data: a day "
        f"that has not come yet, usually a mistyped year (2032 for 2022). Every record is "
        f"checked, whatever the period shown: such a date is wrong in any period.",
    ),
    action=(
        "Đối chiếu giấy tờ gốc và sửa lại ngày nhập nhầm trong hồ sơ.",
        "Check the original paperwork and correct the mistyped date on the record.",
    ),
    order=("record", "column_name", "record_id"),
    personal=frozenset({"record_id", "full_name"}),
    period_use="none",
)
def future_date(ctx: Context) -> Statement:
    """Dates later than the data's as-of date plus ``FUTURE_TOLERANCE_DAYS``."""
    cutoff = future_cutoff(ctx)
    return sa.union_all(*(_future_part(ctx, t, c, cutoff) for t, c in FUTURE_COLUMNS))
