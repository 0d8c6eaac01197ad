"""Checks for money that should not have been paid (issue 16): payments after a death or a
decision to stop or suspend, a month paid twice, a CCCD that does not fit its holder, an age no
beneficiary can have, and one bank account paid for several people.

Payments are those the figures and the other payment checks read: status paid or pending
(``CHECKED_STATUSES``; a returned payment reached no one), with a real month and a plausible
amount (``payment_counted``). Each entry is one ``@check``: its words and the query that lists
the offending records.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from .. import schema as s
from ..definitions import (
    CCCD_PROVINCE_CODES,
    CHECKED_STATUSES,
    EARLIEST_BIRTH,
    GROUP_MIN_AGE,
    MAX_AGE,
    payment_counted,
)
from .check import check
from .context import (
    Context,
    Statement,
    candidate,
    in_scope,
    on_list,
    scanned,
    unit_columns,
)

CCCD_DIGITS = 12


class twelve_digits(sa.sql.functions.GenericFunction[bool]):  # named for what it tests
    """Whether a text is exactly twelve digits (a CCCD): ``GLOB`` on SQLite, a regular
    expression on PostgreSQL."""

    type = sa.Boolean()
    inherit_cache = True


@compiles(twelve_digits)
def _twelve_digits_default(element: twelve_digits, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(next(iter(element.clauses)), **kw)
    return f"({column} ~ '^[0-9]{{{CCCD_DIGITS}}}$')"


@compiles(twelve_digits, "sqlite")
def _twelve_digits_sqlite(element: twelve_digits, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(next(iter(element.clauses)), **kw)
    return f"({column} GLOB '{'[0-9]' * CCCD_DIGITS}')"


def _counted(pay: sa.Table, ctx: Context) -> sa.ColumnElement[bool]:
    """A payment of the period's months that the checks read (paid or pending, plausible)."""
    return sa.and_(
        scanned(pay.c.month).between(ctx.period.start, ctx.period.end),
        pay.c.status.in_(CHECKED_STATUSES),
        payment_counted(pay),
    )


def _active(b: sa.Table, p: sa.Table, ctx: Context) -> sa.ColumnElement[bool]:
    """A beneficiary of the selection on the list in the period, whose birth date is a date (one
    before 1901 means "unknown" and is listed by ``date_out_of_range``, not judged here)."""
    return sa.and_(
        p.c.birth_date >= EARLIEST_BIRTH, on_list(b, ctx), in_scope(b.c.admin_unit_id, ctx)
    )


def _year(column: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    return sa.cast(sa.extract("year", column), sa.Integer)


def _ymd(column: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    """A date as the whole number yyyymmdd: ages are differences of these, divided by 10.000."""
    month = sa.cast(sa.extract("month", column), sa.Integer)
    day = sa.cast(sa.extract("day", column), sa.Integer)
    return _year(column) * 10000 + month * 100 + day


@check(
    "paid_after_stop",
    title=(
        "Chi trả sau khi mất hoặc sau quyết định thôi hưởng, tạm dừng",
        "Paid after death, or after a decision to stop or suspend",
    ),
    rule=(
        "Khoản chi trả (đã chi hoặc chờ chi) cho một tháng của kỳ đang xem mà không còn được "
        "hưởng: tháng sau tháng đối tượng mất (trợ cấp thôi từ tháng sau tháng mất), hoặc từ "
        "tháng quyết định thôi hưởng có hiệu lực, hoặc trong thời gian tạm dừng hưởng (Nghị "
        "định 20/2021/NĐ-CP, Thông tư 02/2021/TT-BLĐTBXH).",
        "A payment (paid or pending) for a month of the period shown that was no longer due: a "
        "month after the month of the beneficiary's death (the allowance stops from the month "
        "after death), or from the month a decision to stop takes effect, or while the allowance "
        "is suspended (Decree 20/2021, Circular 02/2021).",
    ),
    action=(
        "Dừng chi ngay; lập thủ tục thu hồi số tiền đã chi sai; cập nhật tháng thôi hưởng trong "
        "danh sách. Nếu đối tượng còn sống hoặc quyết định đã bị hủy, sửa ngày mất hoặc quyết "
        "định trong hồ sơ.",
        "Stop paying at once, start recovering the money paid, and set the last month on the "
        "list. If the person is alive or the decision was withdrawn, correct the date of death "
        "or the decision on record.",
    ),
    order=("unit_code", "month", "payment_id"),
    personal=frozenset({"payment_id", "beneficiary_id", "full_name", "died_on"}),
    period_use="months",
    candidates=("payment_id", "allowance_payment"),
)
def paid_after_stop(ctx: Context) -> Statement:
    """Counted payments of the period for a month after the month of death, or within a stop
    or suspension; a payment with several reasons is listed once, by the first of them (death,
    then stop, then suspension). A payment's reasons do not depend on the period or the scope,
    so the candidates are the payments listed over all the data."""
    pay, b, p, d = s.allowance_payment, s.allowance_beneficiary, s.person, s.allowance_decision
    u = s.admin_unit.alias("u")
    narrowed = candidate(pay.c.id, ctx, "paid_after_stop", pay)
    after_death = (
        sa.select(
            pay.c.id.label("payment_id"),
            sa.literal("after_death").label("reason"),
            sa.literal("death").label("ground"),
            sa.cast(sa.null(), sa.Date).label("effective_month"),
        )
        .join(b, b.c.id == pay.c.beneficiary_id)
        .join(p, p.c.id == b.c.person_id)
        .where(narrowed, _counted(pay, ctx), p.c.died_on.is_not(None), pay.c.month > p.c.died_on)
    )
    parts: list[sa.Select[Any]] = [after_death]
    if ctx.decisions:  # a database built before the decisions were recorded has none
        stopped = sa.or_(
            d.c.kind == "stop", d.c.resume_month.is_(None), pay.c.month < d.c.resume_month
        )
        parts.append(
            sa.select(
                pay.c.id.label("payment_id"),
                sa.case((d.c.kind == "stop", "after_stop"), else_="while_suspended").label(
                    "reason"
                ),
                d.c.ground,
                d.c.effective_month,
            )
            .join(d, d.c.beneficiary_id == pay.c.beneficiary_id)
            .where(narrowed, _counted(pay, ctx), pay.c.month >= d.c.effective_month, stopped)
        )
    found = sa.union_all(*parts).subquery("found") if len(parts) > 1 else after_death.subquery()
    first = (
        sa.select(
            found,
            sa.func.row_number()
            .over(
                partition_by=found.c.payment_id,
                order_by=(found.c.reason, found.c.effective_month),
            )
            .label("n"),
        )
    ).subquery("first")
    return (
        sa.select(
            pay.c.id.label("payment_id"),
            pay.c.beneficiary_id,
            p.c.full_name,
            *unit_columns(u),
            pay.c.month,
            pay.c.amount_vnd,
            pay.c.status,
            first.c.reason,
            first.c.ground,
            p.c.died_on,
            first.c.effective_month,
        )
        .select_from(first)
        .join(pay, pay.c.id == first.c.payment_id)
        .join(b, b.c.id == pay.c.beneficiary_id)
        .join(p, p.c.id == b.c.person_id)
        .join(u, u.c.id == pay.c.admin_unit_id, isouter=True)
        .where(first.c.n == 1, in_scope(pay.c.admin_unit_id, ctx))
    )


@check(
    "paid_twice",
    title=("Chi hai lần cho cùng một tháng", "Paid twice for the same month"),
    rule=(
        "Một đối tượng có từ hai khoản chi trả trở lên (đã chi hoặc chờ chi, bất kể hình thức "
        "nhận) cho cùng một tháng của kỳ đang xem. Mỗi tháng chỉ được chi một lần.",
        "A beneficiary with two or more payments (paid or pending, by any method) for the same "
        "month of the period shown. Each month is paid once.",
    ),
    action=(
        "Đối chiếu chứng từ chi của tháng đó; xóa khoản ghi trùng, hoặc thu hồi khoản đã chi thừa.",
        "Check that month's payment vouchers; delete the payment recorded twice, or recover the "
        "money paid twice.",
    ),
    order=("unit_code", "beneficiary_id", "month", "payment_id"),
    personal=frozenset({"payment_id", "beneficiary_id", "full_name"}),
    period_use="months",
    candidates=("payment_id", "allowance_payment"),
)
def paid_twice(ctx: Context) -> Statement:
    """Every counted payment of a (beneficiary, month) of the period that has more than one."""
    pay, b, p = s.allowance_payment, s.allowance_beneficiary, s.person
    u = s.admin_unit.alias("u")
    # Every payment of a (beneficiary, month) paid twice is a candidate: the groups are whole.
    narrowed = candidate(pay.c.id, ctx, "paid_twice", pay)
    twice = (
        sa.select(pay.c.beneficiary_id, pay.c.month)
        .where(narrowed, _counted(pay, ctx))
        .group_by(pay.c.beneficiary_id, pay.c.month)
        .having(sa.func.count() > 1)
        .subquery("twice")
    )
    return (
        sa.select(
            pay.c.id.label("payment_id"),
            pay.c.beneficiary_id,
            p.c.full_name,
            *unit_columns(u),
            pay.c.month,
            pay.c.amount_vnd,
            pay.c.method,
            pay.c.paid_on,
            pay.c.status,
        )
        .select_from(twice)
        .join(
            pay,
            sa.and_(pay.c.beneficiary_id == twice.c.beneficiary_id, pay.c.month == twice.c.month),
        )
        .join(b, b.c.id == pay.c.beneficiary_id)
        .join(p, p.c.id == b.c.person_id)
        .join(u, u.c.id == pay.c.admin_unit_id, isouter=True)
        .where(narrowed, _counted(pay, ctx), in_scope(pay.c.admin_unit_id, ctx))
    )


@check(
    "national_id_mismatch",
    title=(
        "Số CCCD không khớp năm sinh, giới tính hoặc mã tỉnh",
        "National id that does not fit birth year, sex or province code",
    ),
    rule=(
        "Đối tượng có tên trong danh sách hưởng trợ cấp ở một tháng của kỳ đang xem có số CCCD "
        "không đúng cấu trúc 12 chữ số (Nghị định 137/2015/NĐ-CP, Điều 13): 3 chữ số đầu là mã "
        "tỉnh nơi đăng ký khai sinh, chữ số thứ 4 là giới tính và thế kỷ sinh (0/1: nam/nữ sinh "
        "1900–1999, 2/3: sinh 2000–2099), 2 chữ số tiếp là năm sinh.",
        "A beneficiary on the list in a month of the period shown whose national id does not "
        "follow its 12-digit structure (Decree 137/2015, art. 13): three digits of the province "
        "of birth registration, one digit for sex and century (0/1 male/female born 1900–1999, "
        "2/3 born 2000–2099), two digits of the birth year.",
    ),
    action=(
        "Đối chiếu thẻ CCCD với Cơ sở dữ liệu quốc gia về dân cư; sửa số CCCD, ngày sinh hoặc "
        "giới tính ghi sai. Nếu thẻ không phải của người đang hưởng, tạm dừng chi và xác minh.",
        "Check the card against the national population database and correct the national id, "
        "birth date or sex on record. If the card is not the beneficiary's, suspend payment and "
        "verify.",
    ),
    order=("unit_code", "beneficiary_id"),
    personal=frozenset(
        {"beneficiary_id", "full_name", "national_id", "birth_date", "sex", "found", "expected"}
    ),
    period_use="months",
    candidates=("beneficiary_id", "allowance_beneficiary"),
)
def national_id_mismatch(ctx: Context) -> Statement:
    """Beneficiaries on the list in the period whose CCCD's structure contradicts their record:
    the first thing wrong of format, province code, sex-and-century digit, year digits."""
    b, p, u = s.allowance_beneficiary, s.person, s.admin_unit.alias("u")
    nid, year = p.c.national_id, _year(p.c.birth_date)
    female = p.c.sex == "F"
    in_1900s, in_2000s = year.between(1900, 1999), year.between(2000, 2099)
    sex_century = sa.case(
        (sa.and_(in_1900s, female), "1"),
        (in_1900s, "0"),
        (sa.and_(in_2000s, female), "3"),
        (in_2000s, "2"),
        else_=sa.null(),
    )
    two = sa.cast(year % 100, sa.String)
    year_digits = sa.case((year % 100 < 10, sa.literal("0", sa.String) + two), else_=two)
    province = sa.func.substr(nid, 1, 3)
    digit, yy = sa.func.substr(nid, 4, 1), sa.func.substr(nid, 5, 2)
    reason = sa.case(
        (sa.not_(twelve_digits(nid)), "cccd_format"),
        (province.not_in(CCCD_PROVINCE_CODES), "cccd_province"),
        (digit != sex_century, "cccd_sex_century"),
        (yy != year_digits, "cccd_birth_year"),
        else_=sa.null(),
    )
    found = sa.case(
        (reason == "cccd_province", province),
        (reason == "cccd_sex_century", digit),
        (reason == "cccd_birth_year", yy),
        else_=sa.null(),  # never the whole number: it leaves a check masked
    )
    expected = sa.case(
        (reason == "cccd_sex_century", sex_century),
        (reason == "cccd_birth_year", year_digits),
        else_=sa.null(),
    )
    listed = (
        sa.select(
            b.c.id.label("beneficiary_id"),
            p.c.full_name,
            p.c.national_id,
            p.c.birth_date,
            p.c.sex,
            *unit_columns(u),
            b.c.group_code,
            reason.label("reason"),
            found.label("found"),
            expected.label("expected"),
        )
        .select_from(b)
        .join(p, p.c.id == b.c.person_id)
        .join(u, u.c.id == b.c.admin_unit_id, isouter=True)
        .where(
            candidate(b.c.id, ctx, "national_id_mismatch", b), nid.is_not(None), _active(b, p, ctx)
        )
        .subquery("listed")
    )
    return sa.select(listed).where(listed.c.reason.is_not(None))


def _age(born: sa.ColumnElement[date], on: sa.ColumnElement[int]) -> sa.ColumnElement[int]:
    """Whole years from ``born`` to the day ``on`` (yyyymmdd)."""
    return (on - _ymd(born)) // 10000


@check(
    "age_out_of_range",
    title=(
        "Tuổi không phù hợp với nhóm đối tượng",
        "Age that does not fit the beneficiary's group",
    ),
    rule=(
        "Đối tượng có tên trong danh sách hưởng trợ cấp ở một tháng của kỳ đang xem mà tuổi "
        "trên 110 (tính đến ngày cuối của số liệu, hoặc ngày mất nếu đã mất), hoặc tuổi tính "
        "đến ngày cuối của số liệu vẫn thấp hơn tuổi tối thiểu của nhóm (năm sinh ghi sai): "
        "người cao tuổi từ đủ 80 tuổi (80), người cao tuổi hộ nghèo và người cao tuổi được "
        "chăm sóc tại cộng đồng (60), người cao tuổi 75–80 vùng dân tộc thiểu số (75), người "
        "16–22 tuổi đang đi học (16).",
        "A beneficiary on the list in a month of the period shown who is over 110 (on the "
        "data's last day, or at death), or who even on the data's last day is younger than "
        "their group's minimum (a mistyped birth year): elderly 80+ (80), poor elderly and "
        "elderly cared for at home (60), elderly 75–80 in ethnic-minority areas (75), students "
        "aged 16–22 (16).",
    ),
    action=(
        "Kiểm tra ngày sinh trong hồ sơ với CCCD; với người trên 110 tuổi, xác minh người đó "
        "còn sống. Sửa ngày sinh ghi sai, hoặc xét lại nhóm đối tượng và hệ số.",
        "Check the birth date on record against the card; for anyone over 110, verify that the "
        "person is alive. Correct a mistyped birth date, or review the group and coefficient.",
    ),
    order=("unit_code", "beneficiary_id"),
    personal=frozenset({"beneficiary_id", "full_name", "birth_date", "died_on"}),
    period_use="months",
    candidates=("beneficiary_id", "allowance_beneficiary"),
)
def age_out_of_range(ctx: Context) -> Statement:
    """Beneficiaries on the list in the period aged over ``MAX_AGE`` or under their group's
    minimum, on the data's last day (or the day they died, if earlier)."""
    b, p, u = s.allowance_beneficiary, s.person, s.admin_unit.alias("u")
    last = ctx.as_of or ctx.ref
    last_ymd = last.year * 10000 + last.month * 100 + last.day
    on = sa.case(
        (sa.and_(p.c.died_on.is_not(None), p.c.died_on < last), _ymd(p.c.died_on)),
        else_=sa.literal(last_ymd, sa.Integer),
    )
    age = _age(p.c.birth_date, on)
    # The group's minimum is held against the age on the data's last day, dead or alive: what
    # it finds is a birth date that cannot be a member's (1992 typed for 1942), not the months
    # before a member's birthday, which the register does not date.
    age_now = _age(p.c.birth_date, sa.literal(last_ymd, sa.Integer))
    minimum = sa.case(GROUP_MIN_AGE, value=b.c.group_code, else_=sa.null())
    listed = (
        sa.select(
            b.c.id.label("beneficiary_id"),
            p.c.full_name,
            p.c.birth_date,
            p.c.died_on,
            *unit_columns(u),
            b.c.group_code,
            sa.case((age > MAX_AGE, age), else_=age_now).label("age"),
            minimum.label("min_age"),
            sa.case(
                (age > MAX_AGE, "over_max_age"),
                (age_now < minimum, "under_group_age"),
                else_=sa.null(),
            ).label("reason"),
        )
        .select_from(b)
        .join(p, p.c.id == b.c.person_id)
        .join(u, u.c.id == b.c.admin_unit_id, isouter=True)
        .where(candidate(b.c.id, ctx, "age_out_of_range", b), _active(b, p, ctx))
        .subquery("listed")
    )
    return sa.select(listed).where(listed.c.reason.is_not(None))


@check(
    "shared_bank_account",
    title=(
        "Cùng một tài khoản nhận tiền cho nhiều người",
        "One bank account paid for several people",
    ),
    rule=(
        "Cùng một số tài khoản ở cùng một ngân hàng được ghi cho hai người hưởng trợ cấp trở "
        "lên, và mỗi người có ít nhất một khoản chi qua tài khoản (đã chi hoặc chờ chi) trong "
        "kỳ đang xem, ở bất kỳ xã nào.",
        "The same account number at the same bank is on record for two or more people on the "
        "allowance, each with at least one payment by account (paid or pending) in the period "
        "shown, in any commune.",
    ),
    action=(
        "Xác minh chủ tài khoản với ngân hàng và với từng đối tượng; ghi đúng tài khoản của "
        "từng người (người giám hộ nhận thay phải có giấy ủy quyền trong hồ sơ).",
        "Verify the account holder with the bank and with each beneficiary, and record each "
        "person's own account (a guardian receiving for someone needs a proxy on file).",
    ),
    order=("group_no", "beneficiary_id"),
    personal=frozenset({"beneficiary_id", "full_name", "national_id", "bank_account"}),
    period_use="months",
    candidates=("beneficiary_id", "allowance_beneficiary"),
)
def shared_bank_account(ctx: Context) -> Statement:
    """Beneficiaries paid by account in the period whose account number (trimmed) is on record
    for another person paid by account in the period; grouped by account."""
    pay, b, p, u = s.allowance_payment, s.allowance_beneficiary, s.person, s.admin_unit.alias("u")
    # Every holder of an account shared in some period is a candidate: an account's holders in
    # a period are all candidates when two or more, and when one it is not listed either way.
    paid = (
        sa.select(pay.c.beneficiary_id)
        .where(
            candidate(pay.c.beneficiary_id, ctx, "shared_bank_account", b),
            _counted(pay, ctx),
            pay.c.method == "bank",
        )
        .distinct()
        .subquery("paid_by_bank")
    )
    account = sa.func.trim(b.c.bank_account)
    bank = sa.func.coalesce(sa.func.lower(sa.func.trim(b.c.bank_name)), "")
    holders = (
        sa.select(
            account.label("account"),
            bank.label("bank"),
            sa.func.count(sa.distinct(b.c.person_id)).label("people"),
            sa.func.count(sa.distinct(b.c.admin_unit_id)).label("communes"),
        )
        .join(paid, paid.c.beneficiary_id == b.c.id)
        .where(b.c.bank_account.is_not(None), account != "")
        .group_by(account, bank)
        .having(sa.func.count(sa.distinct(b.c.person_id)) > 1)
        .subquery("holders")
    )
    listed = (
        sa.select(
            sa.func.dense_rank()
            .over(order_by=(holders.c.account, holders.c.bank))
            .label("group_no"),
            b.c.id.label("beneficiary_id"),
            p.c.full_name,
            p.c.national_id,
            *unit_columns(u),
            b.c.bank_account,
            b.c.bank_name,
            holders.c.people,
            holders.c.communes,
        )
        .select_from(b)
        .join(paid, paid.c.beneficiary_id == b.c.id)
        .join(holders, sa.and_(holders.c.account == account, holders.c.bank == bank))
        .join(p, p.c.id == b.c.person_id)
        .join(u, u.c.id == b.c.admin_unit_id, isouter=True)
        .where(in_scope(b.c.admin_unit_id, ctx))
        .subquery("listed")
    )
    return sa.select(listed)
