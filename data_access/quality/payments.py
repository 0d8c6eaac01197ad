"""Checks on the monthly allowance: a month missing from the payments, a payment that differs
from rate × coefficient, and a bank transfer without an account number.

Each entry is one ``@check``: its words and the query that lists the offending records.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from .. import schema as s
from ..definitions import CHECKED_STATUSES, payment_counted, rate_for, rates_in_effect
from ..filters import add_months, month_start
from .check import check
from .context import Context, Statement, candidate, in_scope, on_list, scanned, unit_columns


def months_checked(ctx: Context) -> list[date]:
    """The months of the period that lie within the data (first month to the as-of month)."""
    if ctx.first is None or ctx.as_of is None:
        return []
    month, last = max(ctx.period.start, ctx.first), min(ctx.period.end, month_start(ctx.as_of))
    months = []
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


@check(
    "missing_payment",
    title=(
        "Đối tượng đang hưởng bị thiếu tháng chi trả",
        "Beneficiary with a month missing from the payments",
    ),
    rule=(
        "Đối tượng có tên trong danh sách hưởng trợ cấp ở một tháng của kỳ đang xem (chỉ xét "
        "các tháng đã có số liệu chi trả) nhưng không có khoản chi trả nào cho tháng đó.",
        "A beneficiary on the allowance list in a month of the period shown (months with "
        "payment data only) with no payment recorded for that month.",
    ),
    action=(
        "Đối chiếu bảng chi trả của tháng đó: ghi bổ sung khoản đã chi, hoặc cập nhật tháng "
        "thôi hưởng nếu đối tượng đã thôi hưởng.",
        "Check that month's payroll: record the missing payment, or set the last month on the "
        "list if the beneficiary has left it.",
    ),
    order=("unit_code", "month", "beneficiary_id"),
    personal=frozenset({"beneficiary_id", "full_name", "national_id"}),
    period_use="months",
    candidates=("beneficiary_id", "allowance_beneficiary"),
)
def missing_payment(ctx: Context) -> Statement:
    """(beneficiary, month) pairs: on the list that month, within the period and data, unpaid."""
    b, pay, p = s.allowance_beneficiary, s.allowance_payment, s.person
    u = s.admin_unit.alias("u")
    months = months_checked(ctx)
    parts = [sa.select(sa.literal(m, sa.Date).label("month")) for m in months or [ctx.period.start]]
    calendar = (sa.union_all(*parts) if len(parts) > 1 else parts[0]).subquery("calendar")
    paid = sa.exists().where(pay.c.beneficiary_id == b.c.id, pay.c.month == calendar.c.month)
    return (
        sa.select(
            b.c.id.label("beneficiary_id"),
            p.c.full_name,
            p.c.national_id,
            *unit_columns(u),
            calendar.c.month,
            b.c.group_code,
            b.c.start_month,
            b.c.end_month,
        )
        .select_from(b)
        .join(
            calendar,
            sa.and_(
                calendar.c.month >= b.c.start_month,
                sa.or_(b.c.end_month.is_(None), calendar.c.month <= b.c.end_month),
            ),
        )
        .join(p, p.c.id == b.c.person_id)
        .join(u, u.c.id == b.c.admin_unit_id, isouter=True)
        .where(
            sa.true() if months else sa.false(),
            candidate(b.c.id, ctx, "missing_payment", b),
            ~paid,
            in_scope(b.c.admin_unit_id, ctx),
        )
    )


@check(
    "wrong_amount",
    title=(
        "Số tiền chi khác mức chuẩn × hệ số",
        "Payment differs from standard rate × coefficient",
    ),
    rule=(
        "Khoản chi trả (đã chi hoặc chờ chi) cho một tháng của kỳ đang xem khác với mức chuẩn "
        "trợ giúp xã hội của tháng đó nhân với hệ số của đối tượng (Nghị định 20/2021/NĐ-CP), "
        "hoặc tháng đó chưa có mức chuẩn.",
        "A payment (paid or pending) for a month of the period shown that differs from that "
        "month's standard rate times the beneficiary's coefficient (Decree 20/2021), or a "
        "month with no rate.",
    ),
    action=(
        "Đối chiếu hệ số của đối tượng và mức chuẩn của tháng, sửa số tiền chi hoặc bổ sung "
        "mức chuẩn còn thiếu.",
        "Check the beneficiary's coefficient and the month's standard rate, then correct the "
        "amount or add the missing rate.",
    ),
    order=("unit_code", "month", "payment_id"),
    personal=frozenset({"payment_id", "full_name"}),
    period_use="months",
    candidates=("payment_id", "allowance_payment"),
)
def wrong_amount(ctx: Context) -> Statement:
    """Payments for the period's months that differ from standard rate × coefficient."""
    pay, b, p, r = s.allowance_payment, s.allowance_beneficiary, s.person, rates_in_effect()
    u = s.admin_unit.alias("u")
    expected = r.c.amount_vnd * b.c.coefficient_x10 // 10  # rates are whole tens of đồng
    return (
        sa.select(
            pay.c.id.label("payment_id"),
            p.c.full_name,
            *unit_columns(u),
            pay.c.month,
            pay.c.amount_vnd,
            expected.label("expected_vnd"),
            r.c.amount_vnd.label("rate_vnd"),
            b.c.coefficient_x10,
            pay.c.status,
        )
        .select_from(pay)
        .join(b, b.c.id == pay.c.beneficiary_id)
        .join(p, p.c.id == b.c.person_id)
        .join(r, rate_for(r, pay.c.month), isouter=True)  # one rate per payment, as the page
        .join(u, u.c.id == pay.c.admin_unit_id, isouter=True)
        .where(
            candidate(pay.c.id, ctx, "wrong_amount", pay),
            scanned(pay.c.month).between(ctx.period.start, ctx.period.end),
            pay.c.status.in_(CHECKED_STATUSES),  # the payouts page's rule, so both agree
            payment_counted(pay),  # the others are listed by implausible_value
            sa.or_(r.c.id.is_(None), pay.c.amount_vnd * 10 != r.c.amount_vnd * b.c.coefficient_x10),
            in_scope(pay.c.admin_unit_id, ctx),
        )
    )


@check(
    "no_bank_account",
    title=(
        "Nhận qua tài khoản nhưng thiếu số tài khoản",
        "Paid by bank account but no account number",
    ),
    rule=(
        "Đối tượng có tên trong danh sách hưởng trợ cấp ở ít nhất một tháng của kỳ đang xem, "
        "được xã ghi hình thức nhận là chuyển khoản, nhưng hồ sơ không có số tài khoản.",
        "A beneficiary on the list in at least one month of the period shown whom the commune "
        "pays by bank transfer, but whose record has no account number.",
    ),
    action=(
        "Bổ sung số tài khoản vào hồ sơ, hoặc chuyển hình thức nhận sang tiền mặt.",
        "Add the account number to the record, or change the payment method to cash.",
    ),
    order=("unit_code", "beneficiary_id"),
    personal=frozenset({"beneficiary_id", "full_name", "national_id"}),
    period_use="months",
)
def no_bank_account(ctx: Context) -> Statement:
    """Beneficiaries on the list in the period, paid by account, with no account number."""
    b, p, u = s.allowance_beneficiary, s.person, s.admin_unit.alias("u")
    return (
        sa.select(
            b.c.id.label("beneficiary_id"),
            p.c.full_name,
            p.c.national_id,
            *unit_columns(u),
            b.c.group_code,
            b.c.start_month,
            b.c.end_month,
            b.c.bank_name,
        )
        .select_from(b)
        .join(p, p.c.id == b.c.person_id)
        .join(u, u.c.id == b.c.admin_unit_id, isouter=True)
        .where(
            b.c.payment_method == "bank",
            sa.or_(b.c.bank_account.is_(None), sa.func.trim(b.c.bank_account) == ""),
            on_list(b, ctx),
            in_scope(b.c.admin_unit_id, ctx),
        )
    )
