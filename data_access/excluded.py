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
from .filters import Filters, Scope
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
    parts = [
        (
            pay,
            sa.and_(
                pay.c.month.between(period.start, period.end),
                pay.c.status.in_(CHECKED_STATUSES),
                sa.not_(payment_counted(pay)),
            ),
        ),
        (g, sa.and_(g.c.approved_on.between(period.start, period.end_date), ~grant_counted(g))),
        (e, sa.and_(e.c.event_date.between(period.start, period.end_date), ~event_counted(e))),
    ]
    counts = {}
    for table, condition in parts:
        stmt, _ = scoped(sa.select(table.c.id).where(condition), table.c.admin_unit_id, r)
        stmt = stmt.with_only_columns(sa.func.count())
        counts[table.name] = int(conn.execute(stmt).scalar_one())
    return counts


def excluded_payments(conn: Connection, filters: Filters, scope: Scope) -> int:
    """How many allowance payments of the selection's period the figures leave out: for the
    notice "N khoản chi có số tiền không hợp lệ bị loại khỏi số liệu"."""
    return excluded_counts(conn, filters, scope)["allowance_payment"]
