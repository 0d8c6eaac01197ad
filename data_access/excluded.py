"""What the figures of a selection leave out because it cannot be true, so a page can say so.

The rules are ``definitions.payment_counted``, ``grant_counted`` and ``event_counted``; the data
check ``implausible_value`` lists the records. A page showing allowance money can then say
"3 khoản chi có số tiền không hợp lệ bị loại khỏi số liệu — xem trang Kiểm tra số liệu" instead
of summing a payment of 10^18 đồng into a fact.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema as s
from .definitions import CHECKED_STATUSES, event_counted, grant_counted, payment_counted
from .filters import Filters, Period, Scope
from .sql import valid_date
from .units import resolve, scoped

EXCLUDED_KINDS = ("allowance_payment", "housing_grant", "job_event")


def excluded_counts(conn: Connection, filters: Filters, scope: Scope) -> dict[str, int]:
    """How many records of the selection's period each page's figures leave out as implausible.

    Keys ``EXCLUDED_KINDS``: payments paid or pending for a month of the period, housing grants
    approved in it, job events held in it — of the communes of Filters ∩ Scope, as the page
    figures count them (records under no commune of the version are in no figure either).

    :raises UnknownCommuneError: a commune code of the filters names no unit.
    :raises OutOfScopeError: every commune asked for lies outside the scope.
    """
    r, period = resolve(conn, filters, scope), filters.period
    pay, g, e = s.allowance_payment, s.housing_grant, s.job_event
    paid = sa.and_(
        pay.c.month.between(period.start, period.end), pay.c.status.in_(CHECKED_STATUSES)
    )
    parts: list[tuple[str, sa.FromClause]] = [
        *((pay.name, part) for part in _payment_parts(conn, paid, period)),
        (
            g.name,
            _rows(g, g.c.approved_on.between(period.start, period.end_date), ~grant_counted(g)),
        ),
        (
            e.name,
            _rows(e, e.c.event_date.between(period.start, period.end_date), ~event_counted(e)),
        ),
    ]
    counts = dict.fromkeys(EXCLUDED_KINDS, 0)
    for kind, rows in parts:
        stmt, _ = scoped(sa.select(rows.c.id), rows.c.admin_unit_id, r)
        stmt = stmt.with_only_columns(sa.func.count())
        counts[kind] += int(conn.execute(stmt).scalar_one())
    return counts


def _rows(table: sa.Table, *conditions: sa.ColumnElement[bool]) -> sa.FromClause:
    """The records of ``table`` that meet ``conditions`` (id, admin_unit_id)."""
    rows = sa.select(table.c.id, table.c.admin_unit_id).where(*conditions)
    return rows.subquery(f"{table.name}_left_out")


def _payment_parts(
    conn: Connection, paid: sa.ColumnElement[bool], period: Period
) -> list[sa.FromClause]:
    """The payments of the period left out, as sets whose counts add up (id, admin_unit_id).

    PostgreSQL reads ``NOT payment_counted`` through the partial index ``ix_payment_implausible``
    as it is. SQLite uses a partial index only for a query that repeats its predicate word for
    word, literals and all, and, joined to the unit map, starts from the units and reads a year
    of each unit's payments (0,6 s at scale 30). There the amounts that cannot be true are
    selected with the index's very predicate, and the payments keyed by a month that is no date
    ('2026-02-32' lies between the period's bounds as text) from the period's distinct months,
    one seek of ``ix_payment_month`` each; each set is materialised before the join.
    """
    pay = s.allowance_payment
    if conn.dialect.name != "sqlite":
        return [_rows(pay, paid, sa.not_(payment_counted(pay)))]

    def materialised(name: str, *conditions: sa.ColumnElement[bool] | sa.TextClause) -> sa.CTE:
        rows = sa.select(pay.c.id, pay.c.admin_unit_id).where(*conditions)
        return rows.cte(name).prefix_with("MATERIALIZED")

    implausible = sa.text(s.IMPLAUSIBLE_AMOUNT)  # the index's own words
    parts: list[sa.FromClause] = [materialised("implausible_amount", paid, implausible)]
    bad = [month for month, real in _distinct_months(conn, period) if not real]
    if bad:
        plausible = sa.and_(pay.c.amount_vnd >= 0, pay.c.amount_vnd < s.MAX_PAYMENT_VND)
        parts.append(materialised("no_date_month", paid, pay.c.month.in_(bad), plausible))
    return parts


def _distinct_months(conn: Connection, period: Period) -> list[tuple[object, bool]]:
    """SQLite: each distinct ``allowance_payment.month`` value within the period's bounds (as
    stored, text that may be no date) and whether it is a real date; one index seek a value."""
    month = s.allowance_payment.c.month
    found = (
        sa.select(sa.func.min(month).label("v"))
        .where(month >= period.start)
        .cte("months", recursive=True)
    )
    following = sa.select(sa.func.min(month)).where(month > found.c.v).scalar_subquery().label("v")
    found = found.union_all(
        sa.select(following).where(found.c.v.is_not(None), found.c.v <= period.end)
    )
    stmt = sa.select(
        sa.type_coerce(found.c.v, sa.String), valid_date(sa.type_coerce(found.c.v, sa.String))
    ).where(found.c.v.is_not(None), found.c.v <= period.end)
    return [(value, bool(real)) for value, real in conn.execute(stmt)]


def excluded_payments(conn: Connection, filters: Filters, scope: Scope) -> int:
    """How many allowance payments of the selection's period the figures leave out: for the
    notice "N khoản chi có số tiền không hợp lệ bị loại khỏi số liệu"."""
    return excluded_counts(conn, filters, scope)["allowance_payment"]
