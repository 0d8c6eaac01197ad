"""What every data-quality check's query needs: the selection resolved once, and the SQL pieces
the checks share (scope test, unit columns, a planner hint, the owner of a household).

Scope: a check keeps the records whose own unit (``admin_unit_id``) the Filters ∩ Scope allow —
``units.resolve`` then ``units.unit_map``, the same units ``units.scoped`` keeps. Unlike
``scoped``, an unlimited selection (the whole district, for district leadership) adds no unit
join at all, so a record pointing at a unit outside the unit map (what check ``unknown_unit``
looks for) is listed instead of silently vanishing from every count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from .. import schema as s
from ..definitions import data_as_of, first_month, reference_date
from ..filters import Filters, Period, Scope
from ..summaries.freshness import SummaryStatus, summary_status_now
from ..summaries.read import among_candidates
from ..units import Resolved, resolve, unit_map

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
    decisions: bool = True  # the database records stop and suspension decisions (issue 16)
    candidates: bool = False  # the costly checks read only their candidates (``candidates``)
    # The summaries' status when the candidates are usable (their month-end stocks narrow a
    # point-in-time check): None otherwise.
    summaries: SummaryStatus | None = None


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
    status = summary_status_now(conn)  # this transaction may have changed the data
    return Context(
        period=filters.period,
        ref=reference_date(filters.period, as_of),
        as_of=as_of,
        first=first_month(conn),
        units=_record_units(conn, resolved),
        persons=scope.persons,
        decisions=s.table_readable(conn, s.allowance_decision.name),
        candidates=status is not None and status.candidates_usable(as_of),
        summaries=status if status is not None and status.candidates_usable(as_of) else None,
    )


def candidate(
    column: sa.ColumnElement[int], ctx: Context, code: str, record: sa.Table
) -> sa.ColumnElement[bool]:
    """``column`` (an id of ``record``) is one of check ``code``'s candidates, when the context
    reads them (``quality.candidates``); always true otherwise.

    The candidates are what the check lists for the widest selection: a check of any period
    and scope lists a subset of them, so the narrowed query returns exactly the rows of the
    full one, through an index lookup per candidate instead of a scan of the table.
    """
    return among_candidates(column, code, record) if ctx.candidates else sa.true()


def in_scope(column: sa.ColumnElement[int], ctx: Context) -> sa.ColumnElement[bool]:
    """``column`` (a record's own unit) is one the selection allows; always true when unlimited."""
    return sa.true() if ctx.units is None else column.in_(ctx.units)


def on_list(b: sa.FromClause, ctx: Context) -> sa.ColumnElement[bool]:
    """The allowance record ``b`` is on the list in at least one month of the period."""
    return sa.and_(
        b.c.start_month <= ctx.period.end,
        sa.or_(b.c.end_month.is_(None), b.c.end_month >= ctx.period.start),
    )


def unit_columns(u: sa.FromClause) -> list[sa.ColumnElement[object]]:
    """The commune's code and name, as every check's list shows them."""
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


def owner_name(household_id: sa.ColumnElement[int]) -> sa.ColumnElement[str | None]:
    """The full name of the first person on record (smallest id) in household ``household_id``;
    NULL when it has none. One lookup of ``ix_person_household`` per listed record, instead of
    naming the head of every household with a grant (a scan of every person)."""
    member = s.person.alias("member")
    return (
        sa.select(member.c.full_name)
        .where(member.c.household_id == household_id)
        .order_by(member.c.id)
        .limit(1)
        .scalar_subquery()
    )
