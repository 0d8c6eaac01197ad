"""Kiểm tra số liệu: data-quality checks, and reconciliation with the figures communes reported.

"Không để trùng lặp, bỏ sót": each check is one SQL query over the record-level tables that
returns the offending records (limited to ``LIST_LIMIT`` rows, with the full count from the same
query), so a commune can find and fix them at the source. ``CHECKS`` is the registry: code,
title and rule in plain Vietnamese and English, the public ``check_xxx`` function, and how the
check reads the period. ``reconciliation`` sets each ``reported_figure`` beside the value the
indicator registry computes for the same commune and period.

Scope: a check keeps the records whose own unit (``admin_unit_id``) the Filters ∩ Scope allow —
``units.resolve`` then ``units.unit_map``, the same units ``units.scoped`` keeps. Unlike
``scoped``, an unlimited selection (the whole district, for district leadership) adds no unit
join at all, so a record pointing at a unit outside the unit map (what check ``unknown_unit``
looks for) is listed instead of silently vanishing from every count.

Personal data (Decree 13/2023): names, birth dates, national ids and record ids leave this module
only for scopes with ``persons=True``, national ids masked; other scopes get the count and the
non-personal columns (commune, village, month, amount, date).

Periods: a check reads the Filters' period in one of three ways (``Check.period_use``): the
months of the period (payments, grants approved), the reference date (the period's last day or
the data's as-of date, whichever is earlier, as for the point-in-time indicators), or not at all
(duplicates, unknown units, future dates are wrong whatever the period).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from . import schema as s
from .filters import VERSION_2023, Filters, Period, Scope, add_months, month_start
from .indicators import BY_CODE, indicator_values
from .payouts import CHECKED_STATUSES
from .persons import mask
from .queries import (
    ELDERLY_AGE,
    STATE_SUPPORTED_FUNDING,
    data_as_of,
    first_month,
    reference_date,
    years_before,
)
from .units import Resolved, resolve, unit_catalogue, unit_map

LIST_LIMIT = 1000  # a commune's list is a few dozen rows; past 1.000 the count says it is systemic
INTERVENTION_GRACE_DAYS = 30  # [G] a case plan is expected within a month of opening a case
FUTURE_TOLERANCE_DAYS = 31  # the as-of date follows the payment run; other registers may lead it
MATCH_TOLERANCE = 0.5  # reported values are whole people, visits or đồng: off by one is a mismatch

PeriodUse = Literal["months", "reference_date", "none"]
Statement = sa.Select | sa.CompoundSelect


@dataclass(frozen=True)
class Context:
    """What every check's query needs, resolved once per (Filters, Scope)."""

    period: Period
    ref: date  # reference date: point-in-time checks are read on this day
    as_of: date | None  # the data's last day (end of the latest payment month)
    first: date | None  # the data's first month
    units: tuple[int, ...] | None  # record-level unit ids allowed; None: no limit at all
    persons: bool


def _record_units(conn: Connection, resolved: Resolved) -> tuple[int, ...] | None:
    """Record-level unit ids that Filters ∩ Scope allow (the units ``scoped`` would keep)."""
    if resolved.unit_ids is None and resolved.base_ids is None:
        return None
    m = unit_map(resolved.version)
    stmt = sa.select(m.c.base_id).distinct()
    if resolved.unit_ids is not None:
        stmt = stmt.where(m.c.unit_id.in_(resolved.unit_ids))
    if resolved.base_ids is not None:
        stmt = stmt.where(m.c.base_id.in_(resolved.base_ids))
    return tuple(sorted(int(r[0]) for r in conn.execute(stmt)))


def context(conn: Connection, filters: Filters, scope: Scope) -> Context:
    """Resolve Filters ∩ Scope and the data's dates for the checks.

    :raises UnknownCommuneError: a commune code of the filters names no unit.
    :raises OutOfScopeError: every commune asked for lies outside the scope.
    """
    resolved = resolve(conn, filters, scope)
    as_of = data_as_of(conn)
    return Context(
        period=filters.period,
        ref=reference_date(filters.period, as_of),
        as_of=as_of,
        first=first_month(conn),
        units=_record_units(conn, resolved),
        persons=scope.persons,
    )


def _in_scope(column: sa.ColumnElement[int], ctx: Context) -> sa.ColumnElement[bool]:
    return sa.true() if ctx.units is None else column.in_(ctx.units)


def _unit_columns(u: sa.FromClause) -> list[sa.ColumnElement[object]]:
    return [u.c.code.label("unit_code"), u.c.name.label("commune")]


class scanned(sa.sql.functions.GenericFunction[date]):  # named for what it asks of the planner
    """A date column compared as is, but on SQLite as ``+column``: no index for this term.

    A payment-month range covering most of the data made SQLite walk ``ix_payment_month`` and
    fetch 1,3 million rows one by one (2,1 s at scale 30); a plain scan takes 0,75 s. PostgreSQL
    chooses by its statistics and needs no hint.
    """

    type = sa.Date()
    inherit_cache = True


@compiles(scanned)
def _scanned_default(element: scanned, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(next(iter(element.clauses)), **kw))


@compiles(scanned, "sqlite")
def _scanned_sqlite(element: scanned, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + str(compiler.process(next(iter(element.clauses)), **kw))


def _owners() -> sa.Subquery:
    """(household_id, full_name) of the first person on record in each household with a grant.

    A join, not a correlated subquery: person has no index on household_id.
    """
    p, g = s.person.alias("member"), s.housing_grant.alias("granted")
    first = (
        sa.select(p.c.household_id, sa.func.min(p.c.id).label("person_id"))
        .where(p.c.household_id.in_(sa.select(g.c.household_id)))
        .group_by(p.c.household_id)
        .subquery("first_member")
    )
    owner = s.person.alias("owner_person")
    return (
        sa.select(first.c.household_id, owner.c.full_name)
        .join(owner, owner.c.id == first.c.person_id)
        .subquery("owner")
    )


# --- the checks: one query each ------------------------------------------------------------


def _sql_duplicate_person(ctx: Context) -> Statement:
    p, u, v = s.person, s.admin_unit.alias("u"), s.village.alias("v")
    count = sa.func.count()
    units = sa.func.count(sa.distinct(p.c.admin_unit_id))
    by_id = (
        sa.select(p.c.national_id.label("k"), count.label("n"), units.label("units"))
        .where(p.c.national_id.is_not(None), p.c.national_id != "")
        .group_by(p.c.national_id)
        .having(count > 1)
        .subquery("dup_id")
    )
    by_name = (
        sa.select(p.c.full_name, p.c.birth_date, count.label("n"), units.label("units"))
        .group_by(p.c.full_name, p.c.birth_date)
        .having(count > 1)
        .subquery("dup_name")
    )
    key = sa.func.coalesce(by_id.c.k, p.c.full_name + "|" + sa.cast(p.c.birth_date, sa.String))
    return (
        sa.select(
            sa.func.dense_rank().over(order_by=key).label("group_no"),
            sa.case((by_id.c.k.is_not(None), "national_id"), else_="name_birth").label("reason"),
            p.c.id.label("person_id"),
            p.c.full_name,
            p.c.birth_date,
            p.c.national_id,
            *_unit_columns(u),
            v.c.name.label("village"),
            sa.func.coalesce(by_id.c.n, by_name.c.n).label("records"),
            sa.func.coalesce(by_id.c.units, by_name.c.units).label("communes"),
        )
        .select_from(p)
        .join(u, u.c.id == p.c.admin_unit_id, isouter=True)
        .join(v, v.c.id == p.c.village_id, isouter=True)
        .join(by_id, by_id.c.k == p.c.national_id, isouter=True)
        .join(
            by_name,
            sa.and_(by_name.c.full_name == p.c.full_name, by_name.c.birth_date == p.c.birth_date),
            isouter=True,
        )
        .where(
            sa.or_(by_id.c.k.is_not(None), by_name.c.n.is_not(None)),
            _in_scope(p.c.admin_unit_id, ctx),
        )
    )


def _sql_elderly_no_bhyt(ctx: Context) -> Statement:
    p, c, u, v = s.person, s.health_insurance_card, s.admin_unit.alias("u"), s.village.alias("v")
    ref = ctx.ref
    covered = (
        sa.select(c.c.person_id)
        .where(c.c.valid_from <= ref, c.c.valid_to >= ref, c.c.funding.in_(STATE_SUPPORTED_FUNDING))
        .distinct()
        .subquery("covered")
    )
    last = s.health_insurance_card.alias("last")
    last_valid_to = (
        sa.select(sa.func.max(last.c.valid_to))
        .where(last.c.person_id == p.c.id, last.c.valid_from <= ref)
        .scalar_subquery()
    )
    return (
        sa.select(
            p.c.id.label("person_id"),
            p.c.full_name,
            p.c.birth_date,
            p.c.national_id,
            *_unit_columns(u),
            v.c.name.label("village"),
            last_valid_to.label("last_card_valid_to"),
        )
        .select_from(p)
        .join(covered, covered.c.person_id == p.c.id, isouter=True)
        .join(u, u.c.id == p.c.admin_unit_id, isouter=True)
        .join(v, v.c.id == p.c.village_id, isouter=True)
        .where(
            p.c.birth_date <= years_before(ref, ELDERLY_AGE),
            sa.or_(p.c.died_on.is_(None), p.c.died_on > ref),
            covered.c.person_id.is_(None),
            _in_scope(p.c.admin_unit_id, ctx),
        )
    )


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


def _sql_missing_payment(ctx: Context) -> Statement:
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
            *_unit_columns(u),
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
        .where(sa.true() if months else sa.false(), ~paid, _in_scope(b.c.admin_unit_id, ctx))
    )


def _sql_wrong_amount(ctx: Context) -> Statement:
    pay, b, p, r = s.allowance_payment, s.allowance_beneficiary, s.person, s.allowance_rate
    u = s.admin_unit.alias("u")
    expected = r.c.amount_vnd * b.c.coefficient_x10 // 10  # rates are whole tens of đồng
    return (
        sa.select(
            pay.c.id.label("payment_id"),
            p.c.full_name,
            *_unit_columns(u),
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
        .join(
            r,
            sa.and_(
                r.c.valid_from <= pay.c.month,
                sa.or_(r.c.valid_to.is_(None), r.c.valid_to >= pay.c.month),
            ),
            isouter=True,
        )
        .join(u, u.c.id == pay.c.admin_unit_id, isouter=True)
        .where(
            scanned(pay.c.month).between(ctx.period.start, ctx.period.end),
            pay.c.status.in_(CHECKED_STATUSES),  # the payouts page's rule, so both agree
            sa.or_(r.c.id.is_(None), pay.c.amount_vnd * 10 != r.c.amount_vnd * b.c.coefficient_x10),
            _in_scope(pay.c.admin_unit_id, ctx),
        )
    )


def _sql_no_bank_account(ctx: Context) -> Statement:
    b, p, u = s.allowance_beneficiary, s.person, s.admin_unit.alias("u")
    return (
        sa.select(
            b.c.id.label("beneficiary_id"),
            p.c.full_name,
            p.c.national_id,
            *_unit_columns(u),
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
            b.c.start_month <= ctx.period.end,
            sa.or_(b.c.end_month.is_(None), b.c.end_month >= ctx.period.start),
            _in_scope(b.c.admin_unit_id, ctx),
        )
    )


def _sql_child_no_intervention(ctx: Context) -> Statement:
    k, p, u = s.child_case, s.person, s.admin_unit.alias("u")
    return (
        sa.select(
            k.c.id.label("case_id"),
            p.c.full_name,
            p.c.birth_date,
            *_unit_columns(u),
            k.c.category,
            k.c.opened_on,
            k.c.closed_on,
        )
        .select_from(k)
        .join(p, p.c.id == k.c.person_id)
        .join(u, u.c.id == k.c.admin_unit_id, isouter=True)
        .where(
            k.c.circumstance == "at_risk",
            k.c.opened_on <= ctx.ref - timedelta(days=INTERVENTION_GRACE_DAYS),
            sa.or_(k.c.closed_on.is_(None), k.c.closed_on >= ctx.period.start),
            sa.or_(k.c.supported_on.is_(None), k.c.supported_on > ctx.ref),
            _in_scope(k.c.admin_unit_id, ctx),
        )
    )


def _sql_housing_overdue(ctx: Context) -> Statement:
    g, u, owner = s.housing_grant, s.admin_unit.alias("u"), _owners()
    return (
        sa.select(
            g.c.id.label("grant_id"),
            owner.c.full_name,
            *_unit_columns(u),
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
            _in_scope(g.c.admin_unit_id, ctx),
        )
    )


def _sql_unknown_unit(ctx: Context) -> Statement:
    p, v = s.person, s.village.alias("v")
    pu, vu = s.admin_unit.alias("pu"), s.admin_unit.alias("vu")
    on = ctx.as_of or ctx.ref
    no_unit = pu.c.id.is_(None)
    not_commune = sa.or_(
        pu.c.kind.not_in(s.COMMUNE_KINDS),
        pu.c.valid_from > on,
        sa.and_(pu.c.valid_to.is_not(None), pu.c.valid_to < on),
    )
    no_village = sa.and_(p.c.village_id.is_not(None), v.c.id.is_(None))
    elsewhere = sa.and_(v.c.id.is_not(None), v.c.admin_unit_id != p.c.admin_unit_id)
    scope = (
        sa.true()
        if ctx.units is None
        else sa.or_(p.c.admin_unit_id.in_(ctx.units), v.c.admin_unit_id.in_(ctx.units))
    )
    return (
        sa.select(
            p.c.id.label("person_id"),
            p.c.full_name,
            p.c.national_id,
            sa.case(
                (no_unit, "unknown_unit"),
                (not_commune, "not_a_commune"),
                (no_village, "unknown_village"),
                else_="village_elsewhere",
            ).label("reason"),
            p.c.admin_unit_id.label("unit_id"),
            pu.c.code.label("unit_code"),
            pu.c.name.label("commune"),
            p.c.village_id,
            v.c.name.label("village"),
            vu.c.name.label("village_commune"),
        )
        .select_from(p)
        .join(pu, pu.c.id == p.c.admin_unit_id, isouter=True)
        .join(v, v.c.id == p.c.village_id, isouter=True)
        .join(vu, vu.c.id == v.c.admin_unit_id, isouter=True)
        .where(sa.or_(no_unit, not_commune, no_village, elsewhere), scope)
    )


def _sql_non_positive_amount(ctx: Context) -> Statement:
    pay, b, p, g = s.allowance_payment, s.allowance_beneficiary, s.person, s.housing_grant
    pu, gu, owner = s.admin_unit.alias("pu"), s.admin_unit.alias("gu"), _owners()
    payments = (
        sa.select(
            sa.literal("allowance_payment", sa.String).label("record"),
            pay.c.id.label("record_id"),
            p.c.full_name,
            *_unit_columns(pu),
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
            _in_scope(pay.c.admin_unit_id, ctx),
        )
    )
    grants = (
        sa.select(
            sa.literal("housing_grant", sa.String).label("record"),
            g.c.id.label("record_id"),
            owner.c.full_name,
            *_unit_columns(gu),
            g.c.approved_on.label("record_date"),
            g.c.amount_vnd,
        )
        .select_from(g)
        .join(gu, gu.c.id == g.c.admin_unit_id, isouter=True)
        .join(owner, owner.c.household_id == g.c.household_id, isouter=True)
        .where(
            g.c.amount_vnd <= 0,
            g.c.approved_on.between(ctx.period.start, ctx.period.end_date),
            _in_scope(g.c.admin_unit_id, ctx),
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
        owner = _owners()
        stmt = stmt.join(owner, owner.c.household_id == table.c.household_id, isouter=True)
        name = owner.c.full_name
    # A BHYT card has no unit of its own: it counts under its holder's.
    unit = table.c.admin_unit_id if "admin_unit_id" in table.c else p.c.admin_unit_id
    stmt = stmt.join(u, u.c.id == unit, isouter=True).where(
        table.c[column] > cutoff, _in_scope(unit, ctx)
    )
    return stmt.with_only_columns(
        sa.literal(table.name, sa.String).label("record"),
        sa.literal(column, sa.String).label("column_name"),
        table.c.id.label("record_id"),
        name.label("full_name"),
        *_unit_columns(u),
        table.c[column].label("record_date"),
    )


def _sql_future_date(ctx: Context) -> Statement:
    cutoff = future_cutoff(ctx)
    return sa.union_all(*(_future_part(ctx, t, c, cutoff) for t, c in FUTURE_COLUMNS))


# --- running a check ------------------------------------------------------------------------


def _subquery(check: Check, ctx: Context) -> sa.Subquery:
    return check.query(ctx).subquery("problems")


def _count(conn: Connection, check: Check, ctx: Context) -> int:
    stmt = sa.select(sa.func.count()).select_from(_subquery(check, ctx))
    return int(conn.execute(stmt).scalar_one())


def _list(conn: Connection, check: Check, ctx: Context, limit: int) -> tuple[pd.DataFrame, int]:
    """Up to ``limit`` offending records (personal columns only for ``persons`` scopes), and
    how many there are in all — one query, the total from a window count."""
    sub = _subquery(check, ctx)
    names = [c.name for c in sub.c if ctx.persons or c.name not in check.personal]
    stmt = (
        sa.select(*(sub.c[n] for n in names), sa.func.count().over().label("_total"))
        .order_by(*(sub.c[n] for n in check.order))
        .limit(max(1, limit))
    )
    rows = conn.execute(stmt).all()
    frame = pd.DataFrame([tuple(r)[:-1] for r in rows], columns=names)
    if "national_id" in frame:
        frame["national_id"] = [mask(v) for v in frame["national_id"]]
    return frame, int(rows[0][-1]) if rows else 0


def _check_frame(
    conn: Connection, filters: Filters, scope: Scope, code: str, limit: int
) -> pd.DataFrame:
    frame, _ = _list(conn, BY_CHECK[code], context(conn, filters, scope), limit)
    return frame


def check_duplicate_persons(
    conn: Connection, filters: Filters, scope: Scope, limit: int = LIST_LIMIT
) -> pd.DataFrame:
    """Person records sharing a national id, or a full name and birth date, in any commune."""
    return _check_frame(conn, filters, scope, "duplicate_person", limit)


def check_elderly_without_bhyt(
    conn: Connection, filters: Filters, scope: Scope, limit: int = LIST_LIMIT
) -> pd.DataFrame:
    """People 60+ alive on the reference date without a valid state-supported BHYT card."""
    return _check_frame(conn, filters, scope, "elderly_no_bhyt", limit)


def check_missing_payment_months(
    conn: Connection, filters: Filters, scope: Scope, limit: int = LIST_LIMIT
) -> pd.DataFrame:
    """(beneficiary, month) pairs: on the list that month, within the period and data, unpaid."""
    return _check_frame(conn, filters, scope, "missing_payment", limit)


def check_wrong_payment_amounts(
    conn: Connection, filters: Filters, scope: Scope, limit: int = LIST_LIMIT
) -> pd.DataFrame:
    """Payments for the period's months that differ from standard rate × coefficient."""
    return _check_frame(conn, filters, scope, "wrong_amount", limit)


def check_bank_without_account(
    conn: Connection, filters: Filters, scope: Scope, limit: int = LIST_LIMIT
) -> pd.DataFrame:
    """Beneficiaries on the list in the period, paid by account, with no account number."""
    return _check_frame(conn, filters, scope, "no_bank_account", limit)


def check_children_without_intervention(
    conn: Connection, filters: Filters, scope: Scope, limit: int = LIST_LIMIT
) -> pd.DataFrame:
    """At-risk child cases open in the period, past the grace period, not yet given intervention."""
    return _check_frame(conn, filters, scope, "child_no_intervention", limit)


def check_overdue_housing(
    conn: Connection, filters: Filters, scope: Scope, limit: int = LIST_LIMIT
) -> pd.DataFrame:
    """Housing grants past their deadline and not completed on the reference date."""
    return _check_frame(conn, filters, scope, "housing_overdue", limit)


def check_unknown_units(
    conn: Connection, filters: Filters, scope: Scope, limit: int = LIST_LIMIT
) -> pd.DataFrame:
    """Person records pointing at an unknown or non-commune unit, or at another unit's village."""
    return _check_frame(conn, filters, scope, "unknown_unit", limit)


def check_non_positive_amounts(
    conn: Connection, filters: Filters, scope: Scope, limit: int = LIST_LIMIT
) -> pd.DataFrame:
    """Allowance payments (months of the period) and housing grants (approved in it) ≤ 0 đồng."""
    return _check_frame(conn, filters, scope, "non_positive_amount", limit)


def check_future_dates(
    conn: Connection, filters: Filters, scope: Scope, limit: int = LIST_LIMIT
) -> pd.DataFrame:
    """Dates later than the data's as-of date plus ``FUTURE_TOLERANCE_DAYS``."""
    return _check_frame(conn, filters, scope, "future_date", limit)


@dataclass(frozen=True)
class Check:
    """One data-quality check: what it looks for, in plain words, and the query that finds it."""

    code: str
    title_vi: str
    title_en: str
    rule_vi: str
    rule_en: str
    function: Callable[..., pd.DataFrame]  # check_xxx(conn, filters, scope, limit)
    query: Callable[[Context], Statement]
    order: tuple[str, ...]  # list order; the last column makes it total
    personal: frozenset[str]  # columns only persons scopes receive
    period_use: PeriodUse

    def title(self, lang: str = "vi") -> str:
        """The check's short name in the user's language."""
        return self.title_vi if lang == "vi" else self.title_en

    def rule(self, lang: str = "vi") -> str:
        """The rule the check applies, in plain words."""
        return self.rule_vi if lang == "vi" else self.rule_en


CHECKS: list[Check] = [
    Check(
        "duplicate_person",
        "Một người có từ hai hồ sơ trở lên",
        "The same person recorded twice",
        "Hai hồ sơ cá nhân trở lên có cùng số CCCD, hoặc cùng họ tên và ngày sinh, dù ở danh "
        "sách nào hay xã nào. Mỗi người chỉ có một hồ sơ, để không ai bị tính hai lần.",
        "Two or more person records share a national id, or a full name and birth date, in "
        "any list or commune. Each person should have one record, so nobody is counted twice.",
        check_duplicate_persons,
        _sql_duplicate_person,
        ("group_no", "person_id"),
        frozenset({"person_id", "full_name", "birth_date", "national_id"}),
        "none",
    ),
    Check(
        "elderly_no_bhyt",
        "Người cao tuổi chưa có thẻ BHYT còn hạn",
        "Elderly without a valid health-insurance card",
        "Người từ đủ 60 tuổi, còn sống vào ngày chốt số liệu, không có thẻ BHYT còn hạn vào "
        "ngày đó do Nhà nước đóng hoặc hỗ trợ đóng.",
        "People aged 60 or more, alive on the reference date, without a health-insurance card "
        "valid on that day and paid fully or partly by the state.",
        check_elderly_without_bhyt,
        _sql_elderly_no_bhyt,
        ("unit_code", "person_id"),
        frozenset({"person_id", "full_name", "birth_date", "national_id"}),
        "reference_date",
    ),
    Check(
        "missing_payment",
        "Đối tượng đang hưởng bị thiếu tháng chi trả",
        "Beneficiary with a month missing from the payments",
        "Đối tượng có tên trong danh sách hưởng trợ cấp ở một tháng của kỳ (trong khoảng "
        "thời gian có số liệu) nhưng không có khoản chi trả nào cho tháng đó.",
        "A beneficiary on the allowance list in a month of the period (within the data) with "
        "no payment recorded for that month.",
        check_missing_payment_months,
        _sql_missing_payment,
        ("unit_code", "month", "beneficiary_id"),
        frozenset({"beneficiary_id", "full_name", "national_id"}),
        "months",
    ),
    Check(
        "wrong_amount",
        "Số tiền chi khác mức chuẩn × hệ số",
        "Payment differs from standard rate × coefficient",
        "Khoản chi trả (đã chi hoặc chờ chi) của một tháng trong kỳ khác với mức chuẩn trợ "
        "giúp xã hội của tháng đó nhân với hệ số của đối tượng (Nghị định 20/2021/NĐ-CP), "
        "hoặc tháng đó chưa có mức chuẩn.",
        "A payment (paid or pending) for a month of the period that differs from that "
        "month's standard rate times the beneficiary's coefficient (Decree 20/2021), or a "
        "month with no rate.",
        check_wrong_payment_amounts,
        _sql_wrong_amount,
        ("unit_code", "month", "payment_id"),
        frozenset({"payment_id", "full_name"}),
        "months",
    ),
    Check(
        "no_bank_account",
        "Nhận qua tài khoản nhưng thiếu số tài khoản",
        "Paid by bank account but no account number",
        "Đối tượng hưởng trợ cấp trong kỳ được xã ghi hình thức nhận là chuyển khoản, nhưng "
        "hồ sơ không có số tài khoản.",
        "A beneficiary on the list in the period whom the commune pays by bank transfer, but "
        "whose record has no account number.",
        check_bank_without_account,
        _sql_no_bank_account,
        ("unit_code", "beneficiary_id"),
        frozenset({"beneficiary_id", "full_name", "national_id"}),
        "months",
    ),
    Check(
        "child_no_intervention",
        "Trẻ em có nguy cơ chưa được can thiệp",
        "At-risk child without intervention",
        f"Trẻ em có nguy cơ rơi vào hoàn cảnh đặc biệt có hồ sơ mở trong kỳ, đã quá "
        f"{INTERVENTION_GRACE_DAYS} ngày kể từ ngày mở hồ sơ mà đến ngày chốt số liệu chưa "
        f"được can thiệp, hỗ trợ (kể cả hồ sơ đã đóng khi chưa được can thiệp).",
        f"An at-risk child whose case was open in the period, opened more than "
        f"{INTERVENTION_GRACE_DAYS} days before the reference date, with no intervention by "
        f"then (including cases closed without one).",
        check_children_without_intervention,
        _sql_child_no_intervention,
        ("unit_code", "opened_on", "case_id"),
        frozenset({"case_id", "full_name", "birth_date"}),
        "reference_date",
    ),
    Check(
        "housing_overdue",
        "Hỗ trợ nhà ở quá hạn chưa hoàn thành",
        "Housing grant past its deadline, not completed",
        "Khoản hỗ trợ xây mới hoặc sửa chữa nhà đã phê duyệt, đã quá hạn hoàn thành mà đến "
        "ngày chốt số liệu vẫn chưa hoàn thành.",
        "An approved new-build or repair grant past its deadline and still not completed on "
        "the reference date.",
        check_overdue_housing,
        _sql_housing_overdue,
        ("unit_code", "deadline", "grant_id"),
        frozenset({"grant_id", "full_name"}),
        "reference_date",
    ),
    Check(
        "unknown_unit",
        "Hồ sơ ghi sai xã hoặc thôn",
        "Record pointing to an unknown unit or village",
        "Hồ sơ cá nhân ghi một đơn vị không có trong danh mục hoặc không phải xã, thị trấn "
        "đang có hiệu lực, ghi một thôn không có, hoặc ghi thôn của xã khác. Những hồ sơ này "
        "có thể bị bỏ sót hoặc tính nhầm xã.",
        "A person record pointing at a unit that is unknown or not a commune in force, at an "
        "unknown village, or at another commune's village: such records are missed or counted "
        "in the wrong commune.",
        check_unknown_units,
        _sql_unknown_unit,
        ("reason", "person_id"),
        frozenset({"person_id", "full_name", "national_id"}),
        "none",
    ),
    Check(
        "non_positive_amount",
        "Số tiền bằng 0 hoặc âm",
        "Amount of zero or less",
        "Khoản chi trả trợ cấp (của các tháng trong kỳ) hoặc khoản hỗ trợ nhà ở (phê duyệt "
        "trong kỳ) có số tiền bằng 0 hoặc âm.",
        "An allowance payment (for a month of the period) or a housing grant (approved in the "
        "period) of zero đồng or less.",
        check_non_positive_amounts,
        _sql_non_positive_amount,
        ("record", "record_date", "record_id"),
        frozenset({"record_id", "full_name"}),
        "months",
    ),
    Check(
        "future_date",
        "Ngày ở tương lai",
        "Date in the future",
        f"Một ngày trong hồ sơ (ngày sinh, ngày mất, ngày khám, ngày mở, hỗ trợ, đóng hồ sơ "
        f"trẻ em, ngày phê duyệt, khởi công, hoàn thành nhà, ngày khai giảng, ngày hội nghị, "
        f"ngày chi trả…) muộn hơn ngày chốt số liệu quá {FUTURE_TOLERANCE_DAYS} ngày.",
        f"A date on a record (birth, death, health check, child case, housing grant, class, "
        f"event, payment…) more than {FUTURE_TOLERANCE_DAYS} days after the data's as-of date.",
        check_future_dates,
        _sql_future_date,
        ("record", "column_name", "record_id"),
        frozenset({"record_id", "full_name"}),
        "none",
    ),
]
BY_CHECK: dict[str, Check] = {c.code: c for c in CHECKS}


def count_problems(conn: Connection, filters: Filters, scope: Scope, code: str) -> int:
    """How many records check ``code`` finds for the selection (any scope may ask)."""
    return _count(conn, BY_CHECK[code], context(conn, filters, scope))


@dataclass(frozen=True)
class Findings:
    """One check's result: how many problems, and the list when the scope may see it."""

    code: str
    total: int
    rows: pd.DataFrame | None  # None: the scope sees counts only


def run_checks(
    conn: Connection, filters: Filters, scope: Scope, limit: int = LIST_LIMIT
) -> list[Findings]:
    """Every check for the selection, in registry order: one query per check.

    Scopes with ``persons=True`` get each list (at most ``limit`` rows) and its count; other
    scopes get the counts only.
    """
    ctx = context(conn, filters, scope)
    found = []
    for check in CHECKS:
        if scope.persons:
            frame, total = _list(conn, check, ctx, limit)
            found.append(Findings(check.code, total, frame))
        else:
            found.append(Findings(check.code, _count(conn, check, ctx), None))
    return found


# --- reconciliation -------------------------------------------------------------------------

RECONCILIATION_COLUMNS = [
    "indicator",
    "unit_code",
    "commune",
    "period_start",
    "period_end",
    "reported",
    "computed",
    "difference",
    "mismatch",
    "reported_on",
]


def reconciliation(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """The figures communes reported upward beside what the database computes for them.

    Takes the ``reported_figure`` rows of the communes in Filters ∩ Scope whose period lies
    within the filters' period; computes each indicator for that commune and period with
    ``indicators.indicator_values`` (2023 units: reports are made by the units of the day).
    Columns: indicator, unit_code, commune, period_start, period_end, reported, computed
    (NaN when the unit or indicator is unknown), difference (reported − computed), mismatch,
    reported_on.
    """
    ctx = context(conn, filters, scope)
    rf, u = s.reported_figure, s.admin_unit.alias("u")
    stmt = (
        sa.select(
            rf.c.indicator,
            rf.c.admin_unit_id,
            u.c.code,
            u.c.name,
            rf.c.period_start,
            rf.c.period_end,
            rf.c.value,
            rf.c.reported_on,
        )
        .select_from(rf)
        .join(u, u.c.id == rf.c.admin_unit_id, isouter=True)
        .where(
            rf.c.period_start >= filters.period.start,
            rf.c.period_end <= filters.period.end_date,
            _in_scope(rf.c.admin_unit_id, ctx),
        )
        .order_by(rf.c.period_start, u.c.code, rf.c.indicator, rf.c.id)
    )
    reported = pd.DataFrame(
        [tuple(r) for r in conn.execute(stmt)],
        columns=[
            "indicator",
            "unit_id",
            "unit_code",
            "commune",
            "period_start",
            "period_end",
            "reported",
            "reported_on",
        ],
    )
    if reported.empty:
        return pd.DataFrame(columns=RECONCILIATION_COLUMNS)
    known_units = set(unit_catalogue(conn, VERSION_2023)["unit_id"])
    computed: dict[tuple[str, int, date, date], float] = {}
    for (start, end), part in reported.groupby(["period_start", "period_end"], sort=True):
        units = part[part["unit_id"].isin(known_units)]
        codes = tuple(sorted(set(units["unit_code"])))
        indicators = sorted(set(units["indicator"]) & set(BY_CODE))
        if not codes or not indicators:
            continue
        period = Period(start, end)
        _, by_unit = indicator_values(conn, Filters(period, codes, VERSION_2023), scope, indicators)
        for row in by_unit.itertuples(index=False):
            if row.value is not None and not pd.isna(row.value):
                computed[(row.code, int(row.unit_id), start, end)] = float(row.value)
    reported["computed"] = [
        computed.get((code, int(unit), a, b), float("nan"))
        for code, unit, a, b in reported[
            ["indicator", "unit_id", "period_start", "period_end"]
        ].itertuples(index=False)
    ]
    reported["reported"] = reported["reported"].astype(float)
    reported["difference"] = reported["reported"] - reported["computed"]
    reported["mismatch"] = reported["computed"].isna() | (
        reported["difference"].abs() > MATCH_TOLERANCE
    )
    return reported[RECONCILIATION_COLUMNS].reset_index(drop=True)
