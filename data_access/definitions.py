"""What the figures mean, written once: who is elderly, which visits and payments count, the day
point-in-time measures are read on, and which payments differ from rate × coefficient.

The page queries (``queries``, ``coverage``, ``payouts``...), the summary tables' refresh and the
data-quality checks all build on these, so a tile, its breakdown, its summary row and its check
always apply the same rule. This module imports only the schema and the SQL helpers.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from vocab import CARD_FUNDING_CODES

from . import schema as s
from .filters import Period, month_end
from .sql import count_if, sum_if

ELDERLY_AGE = 60  # Luật Người cao tuổi 2009: người cao tuổi là công dân từ đủ 60 tuổi
ELDERLY_CHECK_KINDS = ("elderly_periodic", "elderly_consult")
STATE_SUPPORTED_FUNDING = ("state", "partial")
CARD_FUNDING = CARD_FUNDING_CODES  # every BHYT card funding, best first
JOB_FAIR_KINDS = ("job_fair", "labour_export")
PAID = "paid"  # a payment that reached its beneficiary (F15 sums these)
CHECKED_STATUSES = ("paid", "pending")  # a returned payment reached no one: nothing to check


# --- the data's dates -----------------------------------------------------------------------


def data_as_of(conn: Connection) -> date | None:
    """The last day covered by the data: the end of the latest month with allowance payments."""
    latest = conn.execute(sa.select(sa.func.max(s.allowance_payment.c.month))).scalar()
    if latest is None:
        return None
    if isinstance(latest, str):  # SQLite without type information in an aggregate
        latest = date.fromisoformat(latest[:10])
    return month_end(latest)


def first_month(conn: Connection) -> date | None:
    """The first month with allowance payments: where the data starts."""
    first = conn.execute(sa.select(sa.func.min(s.allowance_payment.c.month))).scalar()
    if isinstance(first, str):
        first = date.fromisoformat(first[:10])
    return first


def reference_date(period: Period, as_of: date | None) -> date:
    """The day point-in-time measures are read on."""
    return min(period.end_date, as_of) if as_of else period.end_date


# --- the elderly ----------------------------------------------------------------------------


def years_before(d: date, years: int) -> date:
    """The same day ``years`` years earlier (29/2 becomes 28/2)."""
    try:
        return d.replace(year=d.year - years)
    except ValueError:
        return d.replace(year=d.year - years, day=28)


def elderly_born_by(ref: date) -> date:
    """The latest birth date of a person who is elderly (``ELDERLY_AGE`` or older) on ``ref``."""
    return years_before(ref, ELDERLY_AGE)


def elderly_on(person: sa.FromClause, ref: date) -> sa.ColumnElement[bool]:
    """``person`` is elderly on ``ref``: ``ELDERLY_AGE`` or older on that day, and alive."""
    return sa.and_(
        person.c.birth_date <= elderly_born_by(ref),
        sa.or_(person.c.died_on.is_(None), person.c.died_on > ref),
    )


def state_supported_on(ref: date) -> sa.Subquery:
    """Persons holding a BHYT card valid on ``ref`` and paid fully or partly by the state
    (F1's numerator), once each: subquery ``covered`` with column ``person_id``."""
    c = s.health_insurance_card
    return (
        sa.select(c.c.person_id)
        .where(c.c.valid_from <= ref, c.c.valid_to >= ref, c.c.funding.in_(STATE_SUPPORTED_FUNDING))
        .distinct()
        .subquery("covered")
    )


# --- payments that differ from standard rate × coefficient ----------------------------------


def rate_check() -> tuple[sa.Select, dict[str, sa.ColumnElement]]:
    """Every payment (paid or pending) that differs from rate × coefficient, unfiltered.

    Returns the statement (selecting the payment id; callers choose their columns) and the named
    expressions: ``expected_x10``, ``diff_x10`` (tenths of a đồng: coefficient_x10 keeps
    rate × coefficient exact integer math), ``without_rate`` and ``rate_amount``. A payment for a
    month with no standard rate in force counts as differing (its expected amount is unknown).
    Rates are assumed not to overlap; each is valid from ``valid_from`` to ``valid_to``
    (open-ended when NULL). The payouts page lists them; the summaries count them per unit and
    month.
    """
    pay, ben, rate = s.allowance_payment, s.allowance_beneficiary, s.allowance_rate
    expected_x10 = rate.c.amount_vnd * ben.c.coefficient_x10
    diff_x10 = pay.c.amount_vnd * 10 - expected_x10
    in_force = sa.and_(
        rate.c.valid_from <= pay.c.month,
        sa.or_(rate.c.valid_to.is_(None), rate.c.valid_to >= pay.c.month),
    )
    stmt = (
        sa.select(pay.c.id)
        .select_from(pay)
        .join(ben, ben.c.id == pay.c.beneficiary_id)
        .join(rate, in_force, isouter=True)
        .where(
            pay.c.status.in_(CHECKED_STATUSES),
            sa.or_(rate.c.id.is_(None), diff_x10 != 0),
        )
    )
    named = {
        "expected_x10": expected_x10,
        "diff_x10": diff_x10,
        "without_rate": rate.c.id.is_(None),
        "rate_amount": rate.c.amount_vnd,
    }
    return stmt, named


def rate_totals(named: dict[str, sa.ColumnElement]) -> list[sa.ColumnElement]:
    """Aggregates of ``rate_check``'s rows: how many, how many without a rate in force, and the
    amounts over- and under-paid (tenths of a đồng). The summaries store the same per month."""
    diff = named["diff_x10"]
    return [
        sa.func.count(),
        count_if(named["without_rate"]),
        sum_if(diff > 0, diff),
        sum_if(diff < 0, -diff),
    ]
