"""Checks on the reference tables every figure leans on: standard rates that overlap or cannot be
true, a commune code in force twice, and targets that cannot be true.

The queries do not multiply rows when these fail (``definitions.rates_in_effect`` gives one rate
per payment, ``units.first_of_code`` one commune per code, ``definitions.target_valid`` drops a
target); these checks say what was set aside, so the table can be corrected at the source.
Each entry is one ``@check``: its words and the query that lists the offending rows.
"""

from __future__ import annotations

import sqlalchemy as sa

from .. import schema as s
from ..definitions import MAX_PAYMENT_VND, MAX_TARGET, rate_valid, target_valid
from ..indicators import RATIO_CODES
from ..sql import valid_date
from .check import check
from .context import Context, Statement, in_scope, unit_columns


def _overlap(a: sa.FromClause, b: sa.FromClause) -> sa.ColumnElement[bool]:
    """Rows ``a`` and ``b`` (valid_from, valid_to; NULL: open-ended) share at least one day."""
    return sa.and_(
        b.c.id != a.c.id,
        sa.or_(b.c.valid_to.is_(None), a.c.valid_from <= b.c.valid_to),
        sa.or_(a.c.valid_to.is_(None), b.c.valid_from <= a.c.valid_to),
    )


def _day(column: sa.ColumnElement[object]) -> sa.ColumnElement[object]:
    """A date column as stored, NULL where it is no date (SQLite stores any text)."""
    return sa.case((valid_date(column), column), else_=sa.null())


@check(
    "invalid_rate",
    title=(
        "Mức chuẩn trợ giúp xã hội chồng lấn hoặc không hợp lệ",
        "Standard allowance rates that overlap or cannot be true",
    ),
    rule=(
        f"Hai dòng mức chuẩn trợ giúp xã hội có hiệu lực trùng nhau ít nhất một ngày, hoặc một "
        f"dòng có mức chuẩn bằng 0, âm, từ {MAX_PAYMENT_VND // 1_000_000} triệu đồng trở lên, "
        f"hay ngày hết hiệu lực trước ngày bắt đầu. Khi chồng lấn, mỗi khoản chi chỉ được so "
        f"với một mức chuẩn: mức bắt đầu sau thay mức trước kể từ ngày nó bắt đầu; dòng không "
        f"hợp lệ không được dùng. Xét mọi dòng, không theo kỳ đang xem.",
        f"Two standard-rate rows in force on at least one same day, or a row whose rate is "
        f"zero, negative or {MAX_PAYMENT_VND // 1_000_000} million đồng or more, or which ends "
        f"before it starts. Where rates overlap, each payment is compared with one rate only: "
        f"a rate replaces the earlier one from the day it starts; an invalid row is not used. "
        f"Every row is checked, whatever the period shown.",
    ),
    action=(
        "Sửa bảng mức chuẩn để mỗi ngày chỉ có một mức (đặt ngày hết hiệu lực cho mức cũ), "
        "và nhập lại mức chuẩn đúng theo văn bản.",
        "Correct the rate table so that each day has one rate (end the old rate the day before "
        "the new one starts), and enter the rate the legal text sets.",
    ),
    order=("rate_id",),
    personal=frozenset(),
    period_use="none",
)
def invalid_rate(ctx: Context) -> Statement:
    """Standard-rate rows overlapping another row, or failing ``definitions.rate_valid``."""
    a, b = s.allowance_rate.alias("a"), s.allowance_rate.alias("b")
    other = sa.select(sa.func.min(b.c.id)).where(_overlap(a, b)).scalar_subquery()
    problem = sa.case(
        (sa.not_(a.c.amount_vnd.between(1, MAX_PAYMENT_VND - 1)), "bad_amount"),
        (sa.not_(rate_valid(a)), "ends_before_start"),
        else_="overlap",
    )
    no_unit = sa.cast(sa.null(), sa.String(120))  # a rate holds for the whole province
    return sa.select(
        a.c.id.label("rate_id"),
        no_unit.label("unit_code"),  # every check's list has the commune's columns
        no_unit.label("commune"),
        problem.label("problem"),
        _day(a.c.valid_from).label("valid_from"),
        _day(a.c.valid_to).label("valid_to"),
        a.c.amount_vnd.label("rate_vnd"),
        other.label("other_rate_id"),
        a.c.legal_basis,
    ).where(sa.or_(sa.not_(rate_valid(a)), other.is_not(None)))


@check(
    "duplicate_unit_code",
    title=("Mã xã bị trùng", "Commune code in force twice"),
    rule=(
        "Hai dòng xã, thị trấn trong danh mục đơn vị hành chính có cùng mã và cùng có hiệu lực "
        "ít nhất một ngày. Mỗi mã chỉ ứng với một xã: bảng số liệu dùng dòng có hiệu lực trước "
        "(cùng ngày thì dòng nhập trước), dòng kia không được dùng và hồ sơ ghi theo dòng đó "
        "không được tính. Xét mọi dòng, không theo kỳ đang xem.",
        "Two commune rows of the unit catalogue with the same code, both in force on at least "
        "one same day. A code stands for one commune: the dashboard uses the row in force "
        "first (the one entered first on the same day); the other is not used and records "
        "filed under it are not counted. Every row is checked, whatever the period shown.",
    ),
    action=(
        "Xóa dòng nhập thừa, hoặc đặt ngày hết hiệu lực cho đơn vị cũ trước ngày đơn vị mới "
        "bắt đầu (sáp nhập), rồi chuyển hồ sơ ghi theo dòng thừa về đúng xã.",
        "Delete the extra row, or end the old unit the day before the new one starts (a "
        "merger), then move the records filed under the extra row to the right commune.",
    ),
    order=("unit_code", "unit_id"),
    personal=frozenset(),
    period_use="none",
)
def duplicate_unit_code(ctx: Context) -> Statement:
    """Commune rows sharing their code with another commune row in force on a same day."""
    a, b = s.admin_unit.alias("a"), s.admin_unit.alias("b")
    same_code = sa.and_(b.c.code == a.c.code, b.c.kind.in_(s.COMMUNE_KINDS), _overlap(a, b))
    earlier = sa.or_(
        b.c.valid_from < a.c.valid_from,
        sa.and_(b.c.valid_from == a.c.valid_from, b.c.id < a.c.id),
    )
    # A commune head sees the rows of their own commune's code, the extra row included.
    own_codes = s.admin_unit.alias("own")
    in_view = (
        sa.true()
        if ctx.units is None
        else sa.or_(
            in_scope(a.c.id, ctx),
            a.c.code.in_(sa.select(own_codes.c.code).where(in_scope(own_codes.c.id, ctx))),
        )
    )
    return sa.select(
        a.c.id.label("unit_id"),
        *unit_columns(a),
        _day(a.c.valid_from).label("valid_from"),
        _day(a.c.valid_to).label("valid_to"),
        sa.case((sa.exists().where(same_code, earlier), "not_used"), else_="used").label("problem"),
    ).where(a.c.kind.in_(s.COMMUNE_KINDS), sa.exists().where(same_code), in_view)


@check(
    "invalid_target",
    title=("Chỉ tiêu không hợp lệ", "Target that cannot be true"),
    rule=(
        "Chỉ tiêu kế hoạch (bảng chỉ tiêu) âm, lớn quá mức có thể có (từ 10.000 tỷ), hoặc là "
        "một tỷ lệ lớn hơn 100%. Chỉ tiêu đó không được dùng để so sánh (coi như chưa có chỉ "
        "tiêu) cho tới khi được sửa. Xét mọi năm, không theo kỳ đang xem.",
        "A planned target (target table) that is negative, larger than any can be (10,000 "
        "billion or more), or a ratio above 100%. It is not used for comparison (as if there "
        "were none) until corrected. Every year is checked, whatever the period shown.",
    ),
    action=(
        "Nhập lại chỉ tiêu theo nghị quyết, kế hoạch được giao (tỷ lệ ghi dạng 0,95 cho 95%).",
        "Enter the target the plan sets (a ratio as 0.95 for 95%).",
    ),
    order=("year", "indicator", "target_id"),
    personal=frozenset(),
    period_use="none",
)
def invalid_target(ctx: Context) -> Statement:
    """Targets failing ``definitions.target_valid``: negative, huge or NaN, a ratio above 1."""
    t, u = s.target, s.admin_unit.alias("u")
    problem = sa.case(
        (t.c.value.is_(None), "missing"),
        (t.c.value < 0, "negative"),
        (t.c.value > MAX_TARGET, "too_large"),
        (sa.and_(t.c.indicator.in_(RATIO_CODES), t.c.value > 1), "ratio_above_one"),
        else_="too_large",  # NaN: above every number on PostgreSQL
    )
    return (
        sa.select(
            t.c.id.label("target_id"),
            t.c.indicator,
            t.c.year,
            *unit_columns(u),
            t.c.value,
            problem.label("problem"),
        )
        .select_from(t)
        .join(u, u.c.id == t.c.admin_unit_id, isouter=True)
        .where(
            sa.not_(target_valid(t, RATIO_CODES)),
            sa.or_(t.c.admin_unit_id.is_(None), in_scope(t.c.admin_unit_id, ctx)),
        )
    )
