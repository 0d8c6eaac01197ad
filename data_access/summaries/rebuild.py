"""Rebuilding the summary tables from the base tables, in one transaction.

``refresh(engine)`` is run by an operator or cron (``python -m data_access.refresh_summaries``):
the dashboard only reads. It checks the rules the summaries rely on, fills every table with the
statements of ``summaries.fill`` and records the base tables' fingerprint in ``summary_info``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import islice

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .. import schema as s
from ..definitions import PAID, data_as_of, elderly_born_by, first_month, payment_counted
from ..filters import add_months, month_end
from ..sql import month_of
from .fill import (
    fill_statement,
    payment_fill,
    payment_rollup,
    payment_status_fill,
    payment_year_fill,
    version_fills,
    year_fill,
)
from .freshness import check_fingerprint, fingerprint
from .tables import CHECK_TABLES, LAYOUT, summary_info, summary_metadata, summary_month

# Ids bound in one IN list at most (psycopg takes 65.535 parameters, SQLite 32.766 by default):
# a thousand, as a statement binding ten thousand took 10 MB of SQLite's memory.
IDS_PER_QUERY = 1_000


@dataclass(frozen=True)
class RefreshResult:
    """What one refresh wrote."""

    rows: int
    stock_months: int
    seconds: float
    fingerprint: str
    indexes: tuple[str, ...] = ()  # indexes of the base schema the database lacked, now created
    counters: bool = False  # the database lacked the change counters; they are installed now


def stock_months(first: date | None, as_of: date | None) -> list[date]:
    """Months with month-end stocks: January of the year before the data starts to its as-of.

    That covers every period the filter bar offers and the same period a year earlier, which
    the headline compares with.
    """
    if first is None or as_of is None:
        return []
    month, last, months = date(first.year - 1, 1, 1), as_of.replace(day=1), []
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def month_rows(months: list[date]) -> list[dict[str, date]]:
    """The rows of ``summary_month`` for consecutive ``months``.

    :raises ValueError: an ``elderly_born_by`` that is not a month's last day, or birth months
        that are not consecutive — ``_elderly_spans`` relies on both (true of the Gregorian
        calendar for a 60-year age: 60 is a multiple of 4, so 29/2 maps to 29/2).
    """
    rows: list[dict[str, date]] = []
    for m in months:
        born_by = elderly_born_by(month_end(m))
        if born_by != month_end(born_by):
            raise ValueError(f"elderly_born_by {born_by} of {m:%Y-%m} is not a month's end")
        if rows and add_months(rows[-1]["elderly_born_month"], 1) != born_by.replace(day=1):
            raise ValueError(f"birth months are not consecutive at {m:%Y-%m}")
        rows.append(
            {
                "month": m,
                "month_end": month_end(m),
                "elderly_born_by": born_by,
                "elderly_born_month": born_by.replace(day=1),
            }
        )
    return rows


def pieces(ids: Iterable[int], size: int | None = None) -> Iterator[list[int]]:
    """``ids`` (a list, an array, or a long list's beneficiaries in a spool) as lists of
    Python ints of ``size`` (``IDS_PER_QUERY``) at most: what an IN list binds."""
    it, size = iter(ids), size or IDS_PER_QUERY
    while piece := [int(i) for i in islice(it, size)]:
        yield piece


def payments_in_one_unit(conn: Connection, beneficiaries: Iterable[int] | None = None) -> bool:
    """True when each beneficiary (of ``beneficiaries``, when given) is paid in one unit, or in
    a unit and the unit that succeeded it (a list carried across a merger):
    ``summary_payment``'s premise.

    The summary counts a beneficiary at their first paid month of a period, whatever the unit;
    that is exact in every unit version only when their units roll up into one another.
    """
    if beneficiaries is not None and not (
        isinstance(beneficiaries, list) and len(beneficiaries) <= IDS_PER_QUERY
    ):  # the bound parameters: a piece at a time
        return all(payments_in_one_unit(conn, piece) for piece in pieces(beneficiaries))
    pay, succ = s.allowance_payment, s.admin_unit_succession
    paid = sa.and_(pay.c.status == PAID, payment_counted(pay))
    if beneficiaries is not None:
        if not beneficiaries:
            return True
        paid = sa.and_(paid, pay.c.beneficiary_id.in_(beneficiaries))
    units = (
        sa.select(pay.c.beneficiary_id, pay.c.admin_unit_id)
        .where(paid)
        .group_by(pay.c.beneficiary_id, pay.c.admin_unit_id)
        .subquery("paid_units")
    )
    a, b = units.alias("a"), units.alias("b")
    linked = sa.exists().where(
        sa.or_(
            sa.and_(
                succ.c.old_unit_id == a.c.admin_unit_id, succ.c.new_unit_id == b.c.admin_unit_id
            ),
            sa.and_(
                succ.c.old_unit_id == b.c.admin_unit_id, succ.c.new_unit_id == a.c.admin_unit_id
            ),
        )
    )
    movers = (
        sa.select(a.c.beneficiary_id)
        .join(
            b,
            sa.and_(
                b.c.beneficiary_id == a.c.beneficiary_id, b.c.admin_unit_id > a.c.admin_unit_id
            ),
        )
        .where(~linked)
        .subquery("movers")
    )
    # Counted, not LIMIT 1: asked for a first row, PostgreSQL nests loops over the two
    # aggregates hoping to stop early, and normally no row matches (8,3 s against 0,07 s for
    # 10.000 beneficiaries, benchmarks.ingest).
    return not conn.execute(sa.select(sa.func.count()).select_from(movers)).scalar()


def cases_consistent(conn: Connection) -> bool:
    """True when every child case closes on or after its opening, and is supported (if at all)
    on or before its closing: the premise of the child-case columns (``tables.CASES``)."""
    k = s.child_case
    broken = sa.select(k.c.id).where(
        sa.or_(k.c.closed_on < k.c.opened_on, k.c.supported_on > k.c.closed_on)
    )
    return conn.execute(broken.limit(1)).first() is None


class SummaryRefreshError(ValueError):
    """The base tables break a rule the summaries rely on; nothing was refreshed."""


def _check_payment_months(conn: Connection) -> None:
    """Payments must be stored under their month's first day, as the schema says: the monthly
    and yearly summaries group them by it, where the base queries compare it with
    ``month BETWEEN start AND end``.

    :raises SummaryRefreshError: some are not (the refresh's transaction is rolled back).
    """
    pay = s.allowance_payment
    bad = conn.execute(
        sa.select(sa.func.count()).where(pay.c.month != month_of(pay.c.month))
    ).scalar()
    if bad:
        raise SummaryRefreshError(
            f"{bad} allowance_payment rows have a month that is not a month's first day; "
            "correct them (month = the first day of the month paid for) and refresh again"
        )


def _layout_matches(engine: Engine) -> bool:
    inspector = sa.inspect(engine)
    for table in summary_metadata.sorted_tables:
        if not inspector.has_table(table.name):
            return False
        found = [c["name"] for c in inspector.get_columns(table.name)]
        if found != [c.name for c in table.columns]:
            return False
    return True


def drop_summaries(engine: Engine) -> None:
    """Remove the summary tables: the dashboard then reads the base tables only."""
    summary_metadata.drop_all(engine)


# Writes the data checks' candidates into ``summary_check_record`` for the data's as-of date, in
# the refresh's transaction; False when it wrote none (``quality.candidates.fill``). Passed in:
# the checks read the summaries, so this package does not import them.
CandidateFill = Callable[[Connection, date | None], bool]


def refresh(
    engine: Engine, now: datetime | None = None, candidates: CandidateFill | None = None
) -> RefreshResult:
    """Rebuild the summary tables from the base tables, in one transaction.

    With ``candidates``, the data checks' candidates too; without, ``summary_check_record`` is
    left empty and the checks read the base tables (``refresh_summaries.full_refresh`` is the
    operator's refresh, with them).

    Readers keep seeing the previous summaries until the refresh commits (rows are deleted and
    inserted, the tables are not dropped). First, indexes of the base schema that the database
    lacks are created (``schema.ensure_indexes``), and the change counters of a database built
    before them installed (``schema.ensure_change_counters``). On PostgreSQL the fingerprint and the
    aggregates are read in one REPEATABLE READ snapshot; on SQLite the refresh holds the write
    lock throughout.
    """
    started = time.perf_counter()
    created = tuple(s.ensure_indexes(engine))  # a database built before an index was added
    counters = s.ensure_change_counters(engine)  # ... or before the change counters
    if not _layout_matches(engine):
        summary_metadata.drop_all(engine)
    summary_metadata.create_all(engine)
    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        if postgres:
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            if postgres:
                conn.execute(sa.text("SET LOCAL work_mem = '256MB'"))  # hash joins in memory
            rows, months, stamp = _rebuild(conn, started, now, candidates)
    _analyze(engine)
    return RefreshResult(rows, months, time.perf_counter() - started, stamp, created, counters)


def _rebuild(
    conn: Connection,
    started: float,
    now: datetime | None,
    fill_candidates: CandidateFill | None,
) -> tuple[int, int, str]:
    """Empty and refill every summary table inside the caller's transaction: (rows written,
    months of stocks, fingerprint)."""
    for table in reversed(summary_metadata.sorted_tables):
        conn.execute(table.delete())  # SQLite: takes the write lock from here on
    _check_payment_months(conn)
    # The changes recorded so far are what this refresh reads: empty the record (in this
    # transaction's snapshot: a change committed meanwhile stays, and makes these stale).
    conn.execute(sa.delete(s.change_event))
    stamp, checks_stamp = fingerprint(conn), check_fingerprint(conn)
    as_of = data_as_of(conn)
    months = stock_months(first_month(conn), as_of)
    if months:
        conn.execute(summary_month.insert(), month_rows(months))
    conn.execute(fill_statement())
    conn.execute(year_fill())
    for statement in version_fills():
        conn.execute(statement)
    detail = payments_in_one_unit(conn)
    if detail:
        conn.execute(payment_fill())
        conn.execute(payment_rollup())
        conn.execute(payment_year_fill())
    conn.execute(payment_status_fill())  # any unit history: no premise to check
    # Emptied above with every summary table; without a fill, left empty.
    candidates = fill_candidates(conn, as_of) if fill_candidates is not None else False
    count = 0
    for table in summary_metadata.sorted_tables:
        # The data tables; the checks' candidates are not kept by an import's update.
        if table not in (summary_month, summary_info, *CHECK_TABLES):
            rows = conn.execute(sa.select(sa.func.count()).select_from(table))
            count += int(rows.scalar() or 0)
    seconds = time.perf_counter() - started
    conn.execute(
        summary_info.insert().values(
            id=1,
            layout=LAYOUT,
            refreshed_at=(now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None),
            data_as_of=as_of,
            stocks_from=months[0] if months else None,
            stocks_to=months[-1] if months else None,
            fingerprint=stamp,
            payment_detail=detail,
            case_detail=cases_consistent(conn),
            check_detail=candidates,
            check_fingerprint=checks_stamp,
            rows=count,
            seconds=seconds,
        )
    )
    return count, len(months), stamp


def _analyze(engine: Engine) -> None:
    """Refresh the planner's statistics of the summary tables after they were rebuilt."""
    with engine.connect() as conn:
        # Table names come from our own metadata, never from a user: no value to bind here
        # (identifiers cannot be bound parameters).
        names = ", ".join(t.name for t in summary_metadata.sorted_tables)
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                sa.text(f"VACUUM ANALYZE {names}")
            )
        else:
            for table in summary_metadata.sorted_tables:
                conn.execute(sa.text(f"ANALYZE {table.name}"))
            conn.commit()
