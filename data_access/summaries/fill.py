"""The summary refresh's INSERT … SELECT … GROUP BY statements: the monthly flows and stocks per
unit, their yearly sums, and the paid payments per unit, month, group and previous paid month.

Each statement aggregates in the database; ``rebuild.refresh`` runs them in one transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Date

from vocab import BANK, CASH

from .. import schema as s
from ..definitions import (
    ELDERLY_CHECK_KINDS,
    JOB_FAIR_KINDS,
    PAID,
    event_counted,
    grant_counted,
    payment_counted,
    rate_check,
    rate_totals,
    returned_unrepaid,
)
from ..filters import VERSION_DATES, month_end
from ..sql import count_if, month_of, sum_if, year_of
from ..units import unit_map
from .stocks import stock_parts
from .tables import (
    FLOWS,
    MEASURE_COLUMNS,
    NO_PREVIOUS,
    PAYMENT_MEASURES,
    summary_month,
    summary_payment,
    summary_payment_group,
    summary_payment_group_year,
    summary_payment_status,
    summary_unit_month,
    summary_unit_year,
    summary_version_month,
)


def _flow_parts(
    span: tuple[date, date] | None = None, units: list[int] | None = None
) -> list[sa.Select]:
    """One aggregate per source table: (admin_unit_id, month, its measure columns); with
    ``span`` (a first and a last month), only the months from the one to the other; with
    ``units``, of those record-level units only."""
    h, g, e, pay = s.health_check, s.housing_grant, s.job_event, s.allowance_payment
    vc, en = s.vocational_class, s.enrolment

    def by_month(table: sa.Table, day: sa.ColumnElement[date], *measures: Any) -> sa.Select:
        month = month_of(day)
        stmt = (
            sa.select(table.c.admin_unit_id, month.label("month"), *measures)
            .select_from(table)
            .group_by(table.c.admin_unit_id, month)
        )
        if span is not None:
            stmt = stmt.where(day.between(span[0], month_end(span[1])))
        if units is not None:
            stmt = stmt.where(table.c.admin_unit_id.in_(units))
        return stmt

    health = by_month(
        h,
        h.c.check_date,
        sa.func.count().label("health_visits"),
        count_if(h.c.free_medicine.is_(True)).label("visits_with_medicine"),
    ).where(h.c.kind.in_(ELDERLY_CHECK_KINDS))
    housing = by_month(
        g,
        g.c.approved_on,
        count_if(g.c.kind == "new").label("new_builds"),
        count_if(g.c.kind == "repair").label("repairs"),
        sa.func.coalesce(sa.func.sum(g.c.amount_vnd), 0).label("grant_amount"),
        sum_if(g.c.funding_source == "socialised", g.c.amount_vnd).label("socialised_amount"),
        count_if(g.c.status == "completed").label("grants_completed"),
    ).where(grant_counted(g))
    jobs = by_month(
        e,
        e.c.event_date,
        count_if(e.c.kind.in_(JOB_FAIR_KINDS)).label("job_fairs"),
        count_if(e.c.kind == "recruitment").label("recruitment_events"),
        sa.func.coalesce(sa.func.sum(e.c.attendees), 0).label("event_attendees"),
    ).where(event_counted(e))
    learners = (
        sa.select(
            en.c.class_id,
            sa.func.count().label("n"),
            count_if(en.c.completed.is_(True)).label("done"),
        )
        .group_by(en.c.class_id)
        .subquery("learners")
    )
    training = by_month(
        vc,
        vc.c.start_date,
        sa.func.count().label("classes"),
        count_if(vc.c.field == "non_agri").label("classes_non_agri"),
        count_if(vc.c.field == "agri").label("classes_agri"),
        sa.func.coalesce(sa.func.sum(learners.c.n), 0).label("learners"),
        sa.func.coalesce(sa.func.sum(learners.c.done), 0).label("learners_completed"),
    ).select_from(vc.join(learners, learners.c.class_id == vc.c.id, isouter=True))
    # Payments keep their stored month as it is (a month's first day: checked by the refresh),
    # so a period selects exactly what the base query's ``month BETWEEN start AND end`` selects.
    payouts = (
        sa.select(
            pay.c.admin_unit_id,
            pay.c.month.label("month"),
            sa.func.sum(pay.c.amount_vnd).label("paid_amount"),
            sa.func.count().label("payments"),
        )
        .where(pay.c.status == PAID, payment_counted(pay))
        .group_by(pay.c.admin_unit_id, pay.c.month)
    )
    check, named = rate_check()
    totals = [t.label(n) for t, n in zip(rate_totals(named), FLOWS["rate_check"], strict=True)]
    rates = check.with_only_columns(
        pay.c.admin_unit_id, pay.c.month.label("month"), *totals
    ).group_by(pay.c.admin_unit_id, pay.c.month)
    if span is not None:
        payouts = payouts.where(pay.c.month.between(*span))
        rates = rates.where(pay.c.month.between(*span))
    if units is not None:
        payouts = payouts.where(pay.c.admin_unit_id.in_(units))
        rates = rates.where(pay.c.admin_unit_id.in_(units))
    return [health, housing, jobs, training, payouts, rates]


def payment_flows(unit_id: int, month: date) -> list[sa.Select]:
    """The payment flows (``FLOWS["payouts"]``, ``FLOWS["rate_check"]``) of one unit and month:
    what a payment list changes in ``summary_unit_month``."""
    *_, payouts, rates = _flow_parts((month, month))
    pay = s.allowance_payment
    return [q.where(pay.c.admin_unit_id == unit_id) for q in (payouts, rates)]


def fill_statement(months: list[date] | None = None, units: list[int] | None = None) -> sa.Insert:
    """INSERT … SELECT … GROUP BY: every part padded to all columns, summed per unit and month.

    With ``months`` (consecutive, already in ``summary_month``): those months only; with
    ``units``: those record-level units only.
    """
    stocks: sa.FromClause = summary_month
    span = None
    if months:
        span = (min(months), max(months))
        stocks = sa.select(summary_month).where(summary_month.c.month.in_(months)).subquery("sm")
    parts = []
    for part in [*_flow_parts(span, units), *stock_parts(stocks, units)]:
        have = {c.name for c in part.selected_columns}
        padded = [
            part.selected_columns[n] if n in have else sa.literal_column("0").label(n)
            for n in MEASURE_COLUMNS
        ]
        parts.append(
            part.with_only_columns(
                part.selected_columns["admin_unit_id"],
                part.selected_columns["month"],
                *padded,
            )
        )
    union = sa.union_all(*parts).subquery("parts")
    # Written month by month: a page reads a few months of every unit, which then lie on
    # neighbouring pages of the table instead of one row in every unit's run of months.
    select = (
        sa.select(
            union.c.admin_unit_id,
            union.c.month,
            *(sa.func.sum(union.c[n]) for n in MEASURE_COLUMNS),
        )
        .group_by(union.c.admin_unit_id, union.c.month)
        .order_by(union.c.month, union.c.admin_unit_id)
    )
    target = [summary_unit_month.c.admin_unit_id, summary_unit_month.c.month]
    return summary_unit_month.insert().from_select(
        [*target, *(summary_unit_month.c[n] for n in MEASURE_COLUMNS)], select
    )


def version_fills(months: list[date] | None = None) -> list[sa.Insert]:
    """INSERT … SELECT of ``summary_version_month``, one per unit version: every measure of
    ``summary_unit_month`` summed per month over the version's unit map (a unit split between
    two successors counts under both, as the page queries' join counts it). With ``months``:
    those months only."""
    sm = summary_unit_month
    out = []
    for version in VERSION_DATES:
        m = unit_map(version)
        select = (
            sa.select(
                sa.literal(version, sa.String).label("version"),
                sm.c.month,
                *(sa.func.sum(sm.c[n]) for n in MEASURE_COLUMNS),
            )
            .select_from(sm.join(m, m.c.base_id == sm.c.admin_unit_id))
            .group_by(sm.c.month)
        )
        if months is not None:
            select = select.where(sm.c.month.in_(months))
        out.append(
            summary_version_month.insert().from_select(
                ["version", "month", *MEASURE_COLUMNS], select
            )
        )
    return out


def year_fill(where: sa.ColumnElement[bool] | None = None) -> sa.Insert:
    """INSERT … SELECT of ``summary_unit_year``: the monthly flows summed per calendar year
    (of the rows of ``summary_unit_month`` that ``where`` keeps)."""
    sm = summary_unit_month
    names = [n for g in FLOWS.values() for n in g]
    year = year_of(sm.c.month)
    select = (
        sa.select(sm.c.admin_unit_id, year, *(sa.func.sum(sm.c[n]) for n in names))
        .group_by(sm.c.admin_unit_id, year)
        .order_by(year, sm.c.admin_unit_id)  # a year's rows together, as the months' above
    )
    if where is not None:
        select = select.where(where)
    return summary_unit_year.insert().from_select(["admin_unit_id", "year", *names], select)


Pairs = list[tuple[int, date]]  # (admin_unit_id, month) of some rows of a summary


def payment_fill(pairs: Pairs | None = None) -> sa.Insert:
    """INSERT … SELECT of ``summary_payment_group``: paid payments per unit, month, group and
    the beneficiary's previous paid month (in any unit: a beneficiary carried across a merger is
    paid by the old unit and then its successor, and counts once in a period spanning both).

    With ``pairs``: the rows of those units and months only, from the whole payment history of
    the beneficiaries paid in them (their previous paid month may lie anywhere).
    """
    pay, ben = s.allowance_payment, s.allowance_beneficiary
    bank = pay.c.method == BANK
    paid = sa.and_(pay.c.status == PAID, payment_counted(pay))
    if pairs is not None:
        at = sa.tuple_(pay.c.admin_unit_id, pay.c.month).in_(pairs)
        paid_there = sa.select(pay.c.beneficiary_id).where(paid, at)
        paid = sa.and_(paid, pay.c.beneficiary_id.in_(paid_there))
    per_month = (
        sa.select(
            pay.c.beneficiary_id,
            pay.c.admin_unit_id,
            pay.c.month,
            sa.func.sum(pay.c.amount_vnd).label("amount"),
            sum_if(bank, pay.c.amount_vnd).label("bank_amount"),
            sum_if(pay.c.method == CASH, pay.c.amount_vnd).label("cash_amount"),
            sa.func.count().label("payments"),
            sa.func.max(sa.case((bank, 1), else_=0)).label("by_bank"),
        )
        .where(paid)
        .group_by(pay.c.beneficiary_id, pay.c.admin_unit_id, pay.c.month)
        .subquery("per_month")
    )
    previous = sa.func.lag(per_month.c.month).over(
        partition_by=per_month.c.beneficiary_id,
        order_by=per_month.c.month,
    )
    q = sa.select(
        per_month,
        sa.func.coalesce(previous, sa.literal(NO_PREVIOUS, Date)).label("prev_month"),
    ).subquery("sequenced")
    select = (
        sa.select(
            q.c.admin_unit_id,
            q.c.month,
            ben.c.group_code,
            q.c.prev_month,
            sa.func.sum(q.c.amount),
            sa.func.sum(q.c.bank_amount),
            sa.func.sum(q.c.cash_amount),
            sa.func.sum(q.c.payments),
            sa.func.count(),
            sa.func.sum(q.c.by_bank),
        )
        .select_from(q.join(ben, ben.c.id == q.c.beneficiary_id))
        .group_by(q.c.admin_unit_id, q.c.month, ben.c.group_code, q.c.prev_month)
    )
    if pairs is not None:
        select = select.where(sa.tuple_(q.c.admin_unit_id, q.c.month).in_(pairs))
    target = summary_payment_group
    return target.insert().from_select([c.name for c in target.columns], select)


def payment_rollup(pairs: Pairs | None = None) -> sa.Insert:
    """INSERT … SELECT of ``summary_payment``: ``summary_payment_group`` summed over groups
    (a beneficiary has one group, so the counts stay exact); with ``pairs``, of those units and
    months only."""
    g = summary_payment_group
    keys = (g.c.admin_unit_id, g.c.month, g.c.prev_month)
    select = sa.select(*keys, *(sa.func.sum(g.c[n]) for n in PAYMENT_MEASURES)).group_by(*keys)
    if pairs is not None:
        select = select.where(sa.tuple_(g.c.admin_unit_id, g.c.month).in_(pairs))
    columns = ["admin_unit_id", "month", "prev_month", *PAYMENT_MEASURES]
    return summary_payment.insert().from_select(columns, select)


def payment_year_fill(unit_years: list[tuple[int, int]] | None = None) -> sa.Insert:
    """INSERT … SELECT of ``summary_payment_group_year`` from ``summary_payment_group``; with
    ``unit_years`` ((admin_unit_id, year) pairs), of those only."""
    g = summary_payment_group
    keys = (g.c.admin_unit_id, year_of(g.c.month), g.c.group_code, year_of(g.c.prev_month))
    select = sa.select(
        *keys, sa.func.sum(g.c.paid_amount), sa.func.sum(g.c.beneficiaries)
    ).group_by(*keys)
    if unit_years is not None:
        select = select.where(sa.tuple_(g.c.admin_unit_id, year_of(g.c.month)).in_(unit_years))
    columns = ["admin_unit_id", "year", "group_code", "prev_year", "paid_amount", "beneficiaries"]
    return summary_payment_group_year.insert().from_select(columns, select)


def payment_status_fill(pairs: Pairs | None = None) -> sa.Insert:
    """INSERT … SELECT of ``summary_payment_status``: counted payments per unit, month and
    status, with the returned ones not paid again; with ``pairs``, of those units and months."""
    pay = s.allowance_payment
    unrepaid = returned_unrepaid(pay)
    keys = (pay.c.admin_unit_id, pay.c.month, pay.c.status)
    select = (
        sa.select(
            *keys,
            sa.func.count(),
            sa.func.sum(pay.c.amount_vnd),
            count_if(unrepaid),
            sum_if(unrepaid, pay.c.amount_vnd),
        )
        .where(payment_counted(pay))
        .group_by(*keys)
    )
    if pairs is not None:
        select = select.where(sa.tuple_(pay.c.admin_unit_id, pay.c.month).in_(pairs))
    target = summary_payment_status
    return target.insert().from_select([c.name for c in target.columns], select)
