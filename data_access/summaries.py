"""Summary tables, like DHIS2's analytics tables: the additive measures per base unit and month.

``refresh(engine)`` rebuilds them from the record-level tables with INSERT … SELECT … GROUP BY
(``python -m data_access.refresh_summaries``, run by an operator or cron: the dashboard only
reads). ``queries.measures`` reads them for the measure groups they cover while they are fresh
and falls back to the base tables when they are absent or stale; both paths return the same frame.

A row of ``summary_unit_month`` holds, for one record-level unit (the ``admin_unit.id`` the rows
point at; unit versions are rolled up at query time by ``units.scoped``) and one month:

- flows, by the month of their date: elderly health visits, housing grants approved, job events,
  classes started with their learners, allowance paid (by the month paid for), and payments
  that differ from rate × coefficient;
- stocks on the month's last day, for the months of ``summary_month``: the elderly alive, those
  holding a card paid by the state / state-supported / any card, allowance beneficiaries on the
  list (and paid by bank), communes with a child-protection board, villages with a collaborator.
  ``queries.reference_date`` is always a month's last day, so a month-end stock answers it
  exactly; a reference month outside ``summary_month`` is read from the base tables.

``summary_unit_year`` holds the flows per calendar year, for periods of whole years. The
payouts page reads ``summary_payment`` / ``summary_payment_group`` / ``summary_payment_group_year``
(paid payments per unit, month or year, group, and the beneficiary's previous paid month, so
that beneficiaries paid in a period are counted once each).

Freshness: ``summary_info`` keeps a fingerprint of the base tables taken in the refresh's own
snapshot — the smallest and largest id of each, read from the primary keys in one round trip —
and the summaries are used only while the tables still show the same fingerprint. That catches
rows added (a new month of payments) or removed at either end of a table and a rebuilt database;
a loader that updates rows in place must run the refresh afterwards (``refresh_summaries``).
The children group (cases open at any time in the period, not a month-end stock) is always
read from the base tables.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from . import schema as s
from .filters import Period, add_months, month_end
from .payouts import BANK, CASH, PAID, rate_check, rate_totals
from .queries import (
    CARD_FUNDING,
    ELDERLY_AGE,
    ELDERLY_CHECK_KINDS,
    JOB_FAIR_KINDS,
    STATE_SUPPORTED_FUNDING,
    data_as_of,
    first_month,
    years_before,
)
from .txcache import per_transaction
from .units import Resolved, scoped

LAYOUT = 4  # bump when the summary tables change: an older layout is ignored until refreshed
NO_PREVIOUS = date(1, 1, 1)  # summary_payment.prev_month of a beneficiary's first paid month

# Measure group -> its columns, named exactly as queries.MEASURES returns them.
FLOWS: dict[str, tuple[str, ...]] = {
    "health_visits": ("health_visits", "visits_with_medicine"),
    "housing": ("new_builds", "repairs", "grant_amount", "socialised_amount", "grants_completed"),
    "job_events": ("job_fairs", "recruitment_events", "event_attendees"),
    "training": ("classes", "classes_non_agri", "classes_agri", "learners", "learners_completed"),
    "payouts": ("paid_amount", "payments"),
    # Payments (paid or pending) that differ from rate × coefficient: payouts.rate_mismatches.
    "rate_check": ("rate_mismatches", "rate_without", "rate_overpaid_x10", "rate_underpaid_x10"),
}
STOCKS: dict[str, tuple[str, ...]] = {
    "elderly_bhyt": ("elderly", "elderly_covered"),
    # Elderly holding a card paid by the state / any card (state, partial or self-paid):
    # with elderly_covered (state or partial) they split the elderly by their best card.
    "elderly_cards": ("elderly_card_state", "elderly_card_any"),
    "allowance_active": ("beneficiaries", "beneficiaries_bank"),
    "boards": ("communes", "communes_with_board"),
    "villages": ("villages", "villages_with_collaborator"),
}
COLUMNS: dict[str, tuple[str, ...]] = {**FLOWS, **STOCKS}
# Whole đồng (tenths for the rate check): BIGINT.
MONEY = frozenset(
    {"grant_amount", "socialised_amount", "paid_amount", "rate_overpaid_x10", "rate_underpaid_x10"}
)
MEASURE_COLUMNS = [c for cols in COLUMNS.values() for c in cols]

# The base tables the summaries are computed from: their fingerprint decides freshness.
SOURCES: tuple[sa.Table, ...] = (
    s.person,
    s.health_insurance_card,
    s.health_check,
    s.housing_grant,
    s.vocational_class,
    s.enrolment,
    s.job_event,
    s.allowance_beneficiary,
    s.allowance_payment,
    s.allowance_rate,
    s.admin_unit,
    s.village,
    s.child_protection_board,
)

summary_metadata = MetaData()  # not the base schema's: its create_all stays unchanged

summary_month = Table(
    "summary_month",
    summary_metadata,
    Column("month", Date, primary_key=True),  # first day of a month with stocks
    Column("month_end", Date, nullable=False),
    Column("elderly_born_by", Date, nullable=False),  # born on or before: elderly at month_end
    Column("elderly_born_month", Date, nullable=False),  # the month of elderly_born_by
)

summary_unit_month = Table(
    "summary_unit_month",
    summary_metadata,
    Column("admin_unit_id", Integer, primary_key=True),  # record-level unit (admin_unit.id)
    Column("month", Date, primary_key=True),  # first day of the month
    *(
        Column(name, BigInteger if name in MONEY else Integer, nullable=False)
        for name in MEASURE_COLUMNS
    ),
    Index("ix_summary_unit_month_month", "month", "admin_unit_id"),
)


# The flows of summary_unit_month summed per calendar year: a period of whole years (the usual
# filter) reads one row per unit instead of twelve.
summary_unit_year = Table(
    "summary_unit_year",
    summary_metadata,
    Column("admin_unit_id", Integer, primary_key=True),
    Column("year", Integer, primary_key=True),
    *(
        Column(name, BigInteger if name in MONEY else Integer, nullable=False)
        for group in FLOWS.values()
        for name in group
    ),
    Index("ix_summary_unit_year_year", "year", "admin_unit_id"),
)


# Paid payments per record-level unit, month and Decree 20 group, for the payouts page. A
# beneficiary paid in a month is counted in the row of the previous month they were paid in
# (``NO_PREVIOUS`` for their first), so "beneficiaries paid in months S..E" is the sum over the
# rows with S <= month <= E and prev_month < S: each counts once, at their first paid month in
# the period. That is exact only while each beneficiary is paid in one unit: the refresh checks
# it and, when it fails, leaves the three payment tables empty (``summary_info.payment_detail``
# false) so the payouts page reads the base tables (as it does for a unit version that splits
# an old unit). ``summary_payment`` is the same without the group (a tenth of the rows), for
# the queries that do not split by group.
def _payment_table(name: str, *keys: Column[Any]) -> Table:
    return Table(
        name,
        summary_metadata,
        Column("admin_unit_id", Integer, primary_key=True),
        Column("month", Date, primary_key=True),
        *keys,
        Column("prev_month", Date, primary_key=True),
        Column("paid_amount", BigInteger, nullable=False),
        Column("bank_amount", BigInteger, nullable=False),
        Column("cash_amount", BigInteger, nullable=False),
        Column("payments", Integer, nullable=False),
        Column("beneficiaries", Integer, nullable=False),  # paid in the month (each once)
        Column("bank_beneficiaries", Integer, nullable=False),  # … with a payment by bank
        Index(f"ix_{name}_month", "month", "admin_unit_id"),
    )


summary_payment_group = _payment_table(
    "summary_payment_group", Column("group_code", Text, primary_key=True)
)
summary_payment = _payment_table("summary_payment")
# summary_payment_group summed per calendar year, for periods of whole years: a beneficiary is
# counted in the year's row of the year of their previous paid month (1: none), so "paid in
# years Y1..Y2" is the sum over years Y1..Y2 with prev_year < Y1.
summary_payment_group_year = Table(
    "summary_payment_group_year",
    summary_metadata,
    Column("admin_unit_id", Integer, primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("group_code", Text, primary_key=True),
    Column("prev_year", Integer, primary_key=True),
    Column("paid_amount", BigInteger, nullable=False),
    Column("beneficiaries", Integer, nullable=False),
    Index("ix_summary_payment_group_year_year", "year", "admin_unit_id"),
)
PAYMENT_MEASURES = (
    "paid_amount",
    "bank_amount",
    "cash_amount",
    "payments",
    "beneficiaries",
    "bank_beneficiaries",
)

summary_info = Table(
    "summary_info",
    summary_metadata,
    Column("id", Integer, primary_key=True),  # always 1: one row
    Column("layout", Integer, nullable=False),
    Column("refreshed_at", DateTime, nullable=False),  # UTC
    Column("data_as_of", Date),  # queries.data_as_of when refreshed
    Column("stocks_from", Date),  # first and last month of summary_month
    Column("stocks_to", Date),
    Column("fingerprint", Text, nullable=False),
    Column("payment_detail", sa.Boolean, nullable=False),  # the payment tables are filled
    Column("rows", Integer, nullable=False),
    Column("seconds", Float, nullable=False),
)


class month_of(sa.sql.functions.GenericFunction[date]):  # named like the SQL it emits
    """The first day of the month of a date, on SQLite and PostgreSQL alike."""

    type = sa.Date()
    inherit_cache = True


@compiles(month_of)
def _month_of_default(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)  # PostgreSQL
    return f"CAST(date_trunc('month', CAST({value} AS TIMESTAMP)) AS DATE)"


@compiles(month_of, "sqlite")
def _month_of_sqlite(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


class month_after(sa.sql.functions.GenericFunction[date]):  # named like the SQL it emits
    """The first day of the month of the day after a date (a half-open end in months)."""

    type = sa.Date()
    inherit_cache = True


@compiles(month_after)
def _month_after_default(element: month_after, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)  # PostgreSQL
    return f"CAST(date_trunc('month', CAST({value} AS TIMESTAMP) + INTERVAL '1 day') AS DATE)"


@compiles(month_after, "sqlite")
def _month_after_sqlite(element: month_after, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '+1 day', 'start of month')"


@dataclass(frozen=True)
class SummaryStatus:
    """What ``summary_info`` says, and whether the base tables still match its fingerprint."""

    refreshed_at: datetime  # aware, UTC
    data_as_of: date | None
    stocks_from: date | None
    stocks_to: date | None
    fresh: bool
    payment_detail: bool = False  # the payment tables hold the payouts page's rows

    @property
    def payments_usable(self) -> bool:
        """True when the payouts page may read the payment tables (fresh and filled)."""
        return self.fresh and self.payment_detail

    def has_stocks_for(self, month: date) -> bool:
        """True when month-end stocks were computed for ``month`` (a first day)."""
        return (
            self.stocks_from is not None
            and self.stocks_to is not None
            and self.stocks_from <= month <= self.stocks_to
        )


@dataclass(frozen=True)
class RefreshResult:
    """What one refresh wrote."""

    rows: int
    stock_months: int
    seconds: float
    fingerprint: str


def _count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _sum_if(
    condition: sa.ColumnElement[bool], value: sa.ColumnElement[int]
) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, value), else_=0)), 0)


# --- freshness ------------------------------------------------------------------------------


def _fingerprint_columns() -> list[sa.ScalarSelect[Any]]:
    columns: list[sa.ScalarSelect[Any]] = []
    for table in SOURCES:
        columns.append(sa.select(sa.func.min(table.c.id)).scalar_subquery())
        columns.append(sa.select(sa.func.max(table.c.id)).scalar_subquery())
    return columns


def _fingerprint_text(values: list[Any] | tuple[Any, ...]) -> str:
    parts = [f"{t.name}:{values[2 * i]}-{values[2 * i + 1]}" for i, t in enumerate(SOURCES)]
    return ";".join(parts)


def fingerprint(conn: Connection) -> str:
    """The base tables' fingerprint: smallest and largest id of each source table."""
    row = conn.execute(sa.select(*_fingerprint_columns())).one()
    return _fingerprint_text(tuple(row))


def _exists(conn: Connection) -> bool:
    """True when ``summary_info`` exists (and, on PostgreSQL, this role may read it)."""
    if conn.dialect.name == "postgresql":
        found = conn.execute(
            sa.text("SELECT coalesce(has_table_privilege(to_regclass(:name), 'SELECT'), false)"),
            {"name": summary_info.name},
        ).scalar()
    else:
        found = conn.execute(
            sa.text("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = :name"),
            {"name": summary_info.name},
        ).scalar()
    return bool(found)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def summary_status(conn: Connection) -> SummaryStatus | None:
    """The summaries' refresh time and coverage, and whether they are fresh; None when absent.

    A few cheap round trips: does ``summary_info`` exist, its layout, then its row beside the
    base tables' fingerprint now (index lookups of min/max id). A layout older than this code
    counts as absent, whatever its columns. Read once per transaction of ``conn``, so the
    queries of a page ask once each, not once per helper.
    """
    return per_transaction(conn, "welfare.summary_status", lambda: _read_status(conn))


def _read_status(conn: Connection) -> SummaryStatus | None:
    if not _exists(conn):
        return None
    i = summary_info
    # The layout alone first: an older summary_info may lack the columns read below.
    layout = conn.execute(sa.select(i.c.layout).where(i.c.id == 1)).scalar()
    if layout != LAYOUT:
        return None
    row = conn.execute(
        sa.select(
            i.c.refreshed_at,
            i.c.data_as_of,
            i.c.stocks_from,
            i.c.stocks_to,
            i.c.fingerprint,
            i.c.payment_detail,
            *_fingerprint_columns(),
        ).where(i.c.id == 1)
    ).first()
    if row is None:
        return None
    now = _fingerprint_text(tuple(row)[6:])
    return SummaryStatus(
        refreshed_at=_as_utc(row[0]),
        data_as_of=row[1],
        stocks_from=row[2],
        stocks_to=row[3],
        fresh=row[4] == now,
        payment_detail=bool(row[5]),
    )


def summaries_as_of(conn: Connection) -> datetime | None:
    """When the summaries the dashboard is reading were refreshed (aware, UTC).

    None when there are no fresh summaries: the figures are then computed from the record-level
    tables as they are now, so there is no older as-of time to state.
    """
    status = summary_status(conn)
    return status.refreshed_at if status is not None and status.fresh else None


# --- reading --------------------------------------------------------------------------------


def summary_measures(
    conn: Connection, resolved: Resolved, period: Period, ref: date, groups: list[str]
) -> dict[str, pd.DataFrame]:
    """Measure groups of ``groups`` answered from fresh summaries: {group: unit_id + columns}.

    Groups the summaries do not cover (or a reference month without stocks) are left out, and
    so is everything when the summaries are absent or stale: the caller reads those from the
    base tables. One query serves the flows, one the stocks.
    """
    status = summary_status(conn)
    if status is None or not status.fresh:
        return {}
    ref_month = ref.replace(day=1)
    flows = [g for g in groups if g in FLOWS]
    stocks = [g for g in groups if g in STOCKS and status.has_stocks_for(ref_month)]
    if not flows and not stocks:
        return {}
    found: dict[str, pd.DataFrame] = {}
    if flows:
        found.update(_flow_totals(conn, resolved, period, flows))
    if stocks:
        sm = summary_unit_month
        names = [n for g in stocks for n in COLUMNS[g]]
        stmt = sa.select(sm.c.admin_unit_id).where(sm.c.month == ref_month)
        stmt, unit = scoped(stmt, sm.c.admin_unit_id, resolved)
        stmt = stmt.with_only_columns(unit, *(_summed(sm.c[n]) for n in names)).group_by(unit)
        frame = _int_frame(conn.execute(stmt).all(), names)
        found.update({g: frame[["unit_id", *COLUMNS[g]]] for g in stocks})
    return {g: found[g] for g in [*flows, *stocks]}


def _summed(column: sa.ColumnElement[int]) -> sa.ColumnElement[int]:
    """sum(column), kept BIGINT for money (PostgreSQL widens a BIGINT sum to NUMERIC)."""
    summed = sa.func.sum(column)
    return sa.cast(summed, BigInteger) if column.name in MONEY else summed


def _int_frame(rows: Sequence[Any], names: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame([tuple(r) for r in rows], columns=["unit_id", *names])
    frame[names] = frame[names].astype("int64")
    return frame


def full_years(period: Period) -> list[int]:
    """The calendar years the period covers whole (January to December)."""
    return [
        year
        for year in range(period.start.year, period.end.year + 1)
        if period.start <= date(year, 1, 1) and date(year, 12, 1) <= period.end
    ]


def whole_years(period: Period) -> tuple[int, int] | None:
    """(first, last) when the period is exactly whole calendar years, else None."""
    years = full_years(period)
    if years and (date(years[0], 1, 1), date(years[-1], 12, 1)) == (period.start, period.end):
        return years[0], years[-1]
    return None


def _flow_totals(
    conn: Connection, resolved: Resolved, period: Period, flows: list[str]
) -> dict[str, pd.DataFrame]:
    """Flows over the period: whole years from ``summary_unit_year`` (a twelfth of the rows),
    the months before and after them from ``summary_unit_month``; one statement."""
    names = [n for g in flows for n in COLUMNS[g]]
    sm, sy = summary_unit_month, summary_unit_year
    years = full_years(period)
    parts: list[sa.Select] = []
    if years:
        first, last = date(years[0], 1, 1), date(years[-1], 12, 1)
        parts.append(
            sa.select(sy.c.admin_unit_id, *(sy.c[n] for n in names)).where(
                sy.c.year.between(years[0], years[-1])
            )
        )
        ranges = [(period.start, add_months(first, -1)), (add_months(last, 1), period.end)]
    else:
        ranges = [(period.start, period.end)]
    for start, end in ranges:
        if start <= end:
            parts.append(
                sa.select(sm.c.admin_unit_id, *(sm.c[n] for n in names)).where(
                    sm.c.month.between(start, end)
                )
            )
    source = (
        parts[0].subquery("flows") if len(parts) == 1 else sa.union_all(*parts).subquery("flows")
    )
    stmt = sa.select(source.c.admin_unit_id)
    stmt, unit = scoped(stmt, source.c.admin_unit_id, resolved)
    stmt = stmt.with_only_columns(unit, *(_summed(source.c[n]) for n in names)).group_by(unit)
    frame = _int_frame(conn.execute(stmt).all(), names)
    return {g: frame[["unit_id", *COLUMNS[g]]] for g in flows}


# --- refreshing -----------------------------------------------------------------------------


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
        born_by = years_before(month_end(m), ELDERLY_AGE)
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


def _flow_parts() -> list[sa.Select]:
    """One aggregate per source table: (admin_unit_id, month, its measure columns)."""
    h, g, e, pay = s.health_check, s.housing_grant, s.job_event, s.allowance_payment
    vc, en = s.vocational_class, s.enrolment

    def by_month(table: sa.Table, day: sa.ColumnElement[date], *measures: Any) -> sa.Select:
        month = month_of(day)
        return (
            sa.select(table.c.admin_unit_id, month.label("month"), *measures)
            .select_from(table)
            .group_by(table.c.admin_unit_id, month)
        )

    health = by_month(
        h,
        h.c.check_date,
        sa.func.count().label("health_visits"),
        _count_if(h.c.free_medicine.is_(True)).label("visits_with_medicine"),
    ).where(h.c.kind.in_(ELDERLY_CHECK_KINDS))
    housing = by_month(
        g,
        g.c.approved_on,
        _count_if(g.c.kind == "new").label("new_builds"),
        _count_if(g.c.kind == "repair").label("repairs"),
        sa.func.coalesce(sa.func.sum(g.c.amount_vnd), 0).label("grant_amount"),
        _sum_if(g.c.funding_source == "socialised", g.c.amount_vnd).label("socialised_amount"),
        _count_if(g.c.status == "completed").label("grants_completed"),
    )
    jobs = by_month(
        e,
        e.c.event_date,
        _count_if(e.c.kind.in_(JOB_FAIR_KINDS)).label("job_fairs"),
        _count_if(e.c.kind == "recruitment").label("recruitment_events"),
        sa.func.coalesce(sa.func.sum(e.c.attendees), 0).label("event_attendees"),
    )
    learners = (
        sa.select(
            en.c.class_id,
            sa.func.count().label("n"),
            _count_if(en.c.completed.is_(True)).label("done"),
        )
        .group_by(en.c.class_id)
        .subquery("learners")
    )
    training = by_month(
        vc,
        vc.c.start_date,
        sa.func.count().label("classes"),
        _count_if(vc.c.field == "non_agri").label("classes_non_agri"),
        _count_if(vc.c.field == "agri").label("classes_agri"),
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
        .where(pay.c.status == "paid")
        .group_by(pay.c.admin_unit_id, pay.c.month)
    )
    check, named = rate_check()
    totals = [t.label(n) for t, n in zip(rate_totals(named), FLOWS["rate_check"], strict=True)]
    rates = check.with_only_columns(
        pay.c.admin_unit_id, pay.c.month.label("month"), *totals
    ).group_by(pay.c.admin_unit_id, pay.c.month)
    return [health, housing, jobs, training, payouts, rates]


def _elderly_spans() -> sa.Subquery:
    """Each person who is elderly within the stock months: [e_from, e_to) in months.

    Elderly at a month's end means born on or before its ``elderly_born_by``, a month's last
    day (checked by ``refresh``), so a birth month maps to exactly one first elderly month: an
    equality join, not a scan of people × months. ``e_to`` is the month of death (from its end
    on the person no longer counts); NULL: alive.
    """
    p, m, mb = s.person, summary_month, summary_month.alias("mb")
    first_month = sa.select(sa.func.min(m.c.month)).scalar_subquery()
    first_born_by = sa.select(sa.func.min(m.c.elderly_born_by)).scalar_subquery()
    last_born_by = sa.select(sa.func.max(m.c.elderly_born_by)).scalar_subquery()
    e_from = sa.case((p.c.birth_date <= first_born_by, first_month), else_=mb.c.month)
    return (
        sa.select(
            p.c.id,
            p.c.admin_unit_id,
            e_from.label("e_from"),
            month_of(p.c.died_on).label("e_to"),
        )
        .select_from(p.join(mb, mb.c.elderly_born_month == month_of(p.c.birth_date), isouter=True))
        .where(p.c.birth_date <= last_born_by)
        .subquery("elderly")
    )


def _card_islands(funding: tuple[str, ...], name: str) -> sa.Subquery:
    """Each person's months with a card of ``funding``, as disjoint [a, b) spans.

    A card counts at a month's end when valid_from <= month_end <= valid_to: the months from
    month_of(valid_from) to before month_of(valid_to + 1 day). Overlapping cards of one person
    are merged first (gaps and islands), so a person is counted once, as the base query's
    DISTINCT does.
    """
    c = s.health_insurance_card
    cards = (
        sa.select(
            c.c.person_id,
            month_of(c.c.valid_from).label("a"),
            month_after(c.c.valid_to).label("b"),
        )
        .where(c.c.funding.in_(funding))
        .subquery(f"{name}_cards")
    )
    order = (cards.c.a, cards.c.b)
    reach = sa.func.max(cards.c.b).over(
        partition_by=cards.c.person_id, order_by=order, rows=(None, -1)
    )
    flagged = (
        sa.select(
            cards.c.person_id,
            cards.c.a,
            cards.c.b,
            sa.case((cards.c.a <= reach, 0), else_=1).label("starts"),
        )
        .where(cards.c.a < cards.c.b)
        .subquery(f"{name}_flagged")
    )
    island = sa.func.sum(flagged.c.starts).over(
        partition_by=flagged.c.person_id, order_by=(flagged.c.a, flagged.c.b), rows=(None, 0)
    )
    numbered = sa.select(
        flagged.c.person_id, flagged.c.a, flagged.c.b, island.label("island")
    ).subquery(f"{name}_numbered")
    return (
        sa.select(
            numbered.c.person_id,
            sa.func.min(numbered.c.a).label("a"),
            sa.func.max(numbered.c.b).label("b"),
        )
        .group_by(numbered.c.person_id, numbered.c.island)
        .subquery(f"{name}_islands")
    )


def _stock_parts() -> list[sa.Select]:
    """Month-end stocks for each month of ``summary_month``, as the base queries count them.

    People, cards and villages are turned into month spans and counted per (unit, span) first;
    only those few groups are joined to the months, so their work grows with the rows, not with
    rows × months. Beneficiaries (one row each, a few per thousand people) and communes (a few
    thousand) are joined to the months directly.
    """
    m, b = summary_month, s.allowance_beneficiary
    active = (
        sa.select(
            b.c.admin_unit_id,
            m.c.month,
            sa.func.count().label("beneficiaries"),
            _count_if(b.c.payment_method == "bank").label("beneficiaries_bank"),
        )
        .select_from(
            b.join(
                m,
                sa.and_(
                    b.c.start_month <= m.c.month,
                    sa.or_(b.c.end_month.is_(None), b.c.end_month >= m.c.month),
                ),
            )
        )
        .group_by(b.c.admin_unit_id, m.c.month)
    )
    el = _elderly_spans()
    people = (
        sa.select(el.c.admin_unit_id, el.c.e_from, el.c.e_to, sa.func.count().label("n"))
        .group_by(el.c.admin_unit_id, el.c.e_from, el.c.e_to)
        .subquery("people")
    )
    elderly = (
        sa.select(people.c.admin_unit_id, m.c.month, sa.func.sum(people.c.n).label("elderly"))
        .select_from(
            people.join(
                m,
                sa.and_(
                    people.c.e_from <= m.c.month,
                    sa.or_(people.c.e_to.is_(None), m.c.month < people.c.e_to),
                ),
            )
        )
        .group_by(people.c.admin_unit_id, m.c.month)
    )
    held = [
        _held(el, STATE_SUPPORTED_FUNDING, "elderly_covered"),
        _held(el, ("state",), "elderly_card_state"),
        _held(el, CARD_FUNDING, "elderly_card_any"),
    ]
    u, board, v = s.admin_unit, s.child_protection_board, s.village
    first_board = (
        sa.select(board.c.admin_unit_id, sa.func.min(board.c.established_on).label("since"))
        .group_by(board.c.admin_unit_id)
        .subquery("first_board")
    )
    communes = (
        sa.select(
            u.c.id.label("admin_unit_id"),
            m.c.month,
            sa.func.count().label("communes"),
            _count_if(first_board.c.since <= m.c.month_end).label("communes_with_board"),
        )
        .select_from(
            u.join(
                m,
                sa.and_(
                    u.c.valid_from <= m.c.month_end,
                    sa.or_(u.c.valid_to.is_(None), u.c.valid_to >= m.c.month_end),
                ),
            ).join(first_board, first_board.c.admin_unit_id == u.c.id, isouter=True)
        )
        .where(u.c.kind.in_(s.COMMUNE_KINDS))
        .group_by(u.c.id, m.c.month)
    )
    # Villages per unit and month their collaborator started (a handful per unit), then those
    # few groups against the months: since <= month_end exactly when month_of(since) <= month.
    per_start = (
        sa.select(
            v.c.admin_unit_id,
            month_of(v.c.child_collaborator_since).label("since"),
            sa.func.count().label("n"),
        )
        .group_by(v.c.admin_unit_id, month_of(v.c.child_collaborator_since))
        .subquery("villages_by_start")
    )
    started = sa.and_(per_start.c.since.is_not(None), per_start.c.since <= m.c.month)
    villages = (
        sa.select(
            per_start.c.admin_unit_id,
            m.c.month,
            sa.func.sum(per_start.c.n).label("villages"),
            _sum_if(started, per_start.c.n).label("villages_with_collaborator"),
        )
        .select_from(per_start.join(m, sa.true()))
        .group_by(per_start.c.admin_unit_id, m.c.month)
    )
    return [active, elderly, *held, communes, villages]


def _held(el: sa.Subquery, funding: tuple[str, ...], name: str) -> sa.Select:
    """Elderly holding a card of ``funding`` at each month's end, per unit: column ``name``."""
    m = summary_month
    isl = _card_islands(funding, name)
    lo = sa.case((isl.c.a > el.c.e_from, isl.c.a), else_=el.c.e_from)
    hi = sa.case((sa.or_(el.c.e_to.is_(None), isl.c.b < el.c.e_to), isl.c.b), else_=el.c.e_to)
    spans = (
        sa.select(el.c.admin_unit_id, lo.label("lo"), hi.label("hi"))
        .select_from(el.join(isl, isl.c.person_id == el.c.id))
        .subquery(f"{name}_spans")
    )
    held = (
        sa.select(spans.c.admin_unit_id, spans.c.lo, spans.c.hi, sa.func.count().label("n"))
        .where(spans.c.lo < spans.c.hi)
        .group_by(spans.c.admin_unit_id, spans.c.lo, spans.c.hi)
        .subquery(f"{name}_held")
    )
    return (
        sa.select(held.c.admin_unit_id, m.c.month, sa.func.sum(held.c.n).label(name))
        .select_from(held.join(m, sa.and_(held.c.lo <= m.c.month, m.c.month < held.c.hi)))
        .group_by(held.c.admin_unit_id, m.c.month)
    )


def _fill_statement() -> sa.Insert:
    """INSERT … SELECT … GROUP BY: every part padded to all columns, summed per unit and month."""
    parts = []
    for part in [*_flow_parts(), *_stock_parts()]:
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
    select = sa.select(
        union.c.admin_unit_id, union.c.month, *(sa.func.sum(union.c[n]) for n in MEASURE_COLUMNS)
    ).group_by(union.c.admin_unit_id, union.c.month)
    target = [summary_unit_month.c.admin_unit_id, summary_unit_month.c.month]
    return summary_unit_month.insert().from_select(
        [*target, *(summary_unit_month.c[n] for n in MEASURE_COLUMNS)], select
    )


def _year_of(day: sa.ColumnElement[date]) -> sa.ColumnElement[int]:
    """The calendar year of a date, as an integer on SQLite and PostgreSQL alike."""
    return sa.cast(sa.extract("year", day), Integer)


def _year_fill() -> sa.Insert:
    """INSERT … SELECT of ``summary_unit_year``: the monthly flows summed per calendar year."""
    sm = summary_unit_month
    names = [n for g in FLOWS.values() for n in g]
    year = _year_of(sm.c.month)
    select = sa.select(sm.c.admin_unit_id, year, *(sa.func.sum(sm.c[n]) for n in names)).group_by(
        sm.c.admin_unit_id, year
    )
    return summary_unit_year.insert().from_select(["admin_unit_id", "year", *names], select)


def _payment_fill() -> sa.Insert:
    """INSERT … SELECT of ``summary_payment_group``: paid payments per unit, month, group and
    the beneficiary's previous paid month (in the same unit)."""
    pay, ben = s.allowance_payment, s.allowance_beneficiary
    bank = pay.c.method == BANK
    per_month = (
        sa.select(
            pay.c.beneficiary_id,
            pay.c.admin_unit_id,
            pay.c.month,
            sa.func.sum(pay.c.amount_vnd).label("amount"),
            _sum_if(bank, pay.c.amount_vnd).label("bank_amount"),
            _sum_if(pay.c.method == CASH, pay.c.amount_vnd).label("cash_amount"),
            sa.func.count().label("payments"),
            sa.func.max(sa.case((bank, 1), else_=0)).label("by_bank"),
        )
        .where(pay.c.status == PAID)
        .group_by(pay.c.beneficiary_id, pay.c.admin_unit_id, pay.c.month)
        .subquery("per_month")
    )
    previous = sa.func.lag(per_month.c.month).over(
        partition_by=(per_month.c.beneficiary_id, per_month.c.admin_unit_id),
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
    target = summary_payment_group
    return target.insert().from_select([c.name for c in target.columns], select)


def _payment_rollup() -> sa.Insert:
    """INSERT … SELECT of ``summary_payment``: ``summary_payment_group`` summed over groups
    (a beneficiary has one group, so the counts stay exact)."""
    g = summary_payment_group
    keys = (g.c.admin_unit_id, g.c.month, g.c.prev_month)
    select = sa.select(*keys, *(sa.func.sum(g.c[n]) for n in PAYMENT_MEASURES)).group_by(*keys)
    columns = ["admin_unit_id", "month", "prev_month", *PAYMENT_MEASURES]
    return summary_payment.insert().from_select(columns, select)


def _payment_year_fill() -> sa.Insert:
    """INSERT … SELECT of ``summary_payment_group_year`` from ``summary_payment_group``."""
    g = summary_payment_group
    keys = (g.c.admin_unit_id, _year_of(g.c.month), g.c.group_code, _year_of(g.c.prev_month))
    select = sa.select(
        *keys, sa.func.sum(g.c.paid_amount), sa.func.sum(g.c.beneficiaries)
    ).group_by(*keys)
    columns = ["admin_unit_id", "year", "group_code", "prev_year", "paid_amount", "beneficiaries"]
    return summary_payment_group_year.insert().from_select(columns, select)


def payments_in_one_unit(conn: Connection) -> bool:
    """True when no beneficiary has paid payments in two units: ``summary_payment``'s premise."""
    pay = s.allowance_payment
    movers = (
        sa.select(pay.c.beneficiary_id)
        .where(pay.c.status == PAID)
        .group_by(pay.c.beneficiary_id)
        .having(sa.func.min(pay.c.admin_unit_id) != sa.func.max(pay.c.admin_unit_id))
        .limit(1)
    )
    return conn.execute(movers).first() is None


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


def refresh(engine: Engine, now: datetime | None = None) -> RefreshResult:
    """Rebuild the summary tables from the base tables, in one transaction.

    Readers keep seeing the previous summaries until the refresh commits (rows are deleted and
    inserted, the tables are not dropped). On PostgreSQL the fingerprint and the aggregates are
    read in one REPEATABLE READ snapshot; on SQLite the refresh holds the write lock throughout.
    """
    started = time.perf_counter()
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
            for table in reversed(summary_metadata.sorted_tables):
                conn.execute(table.delete())  # SQLite: takes the write lock from here on
            _check_payment_months(conn)
            stamp = fingerprint(conn)
            as_of = data_as_of(conn)
            months = stock_months(first_month(conn), as_of)
            if months:
                conn.execute(summary_month.insert(), month_rows(months))
            conn.execute(_fill_statement())
            conn.execute(_year_fill())
            detail = payments_in_one_unit(conn)
            if detail:
                conn.execute(_payment_fill())
                conn.execute(_payment_rollup())
                conn.execute(_payment_year_fill())
            count = 0
            for table in summary_metadata.sorted_tables:
                if table not in (summary_month, summary_info):  # the data tables
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
                    rows=count,
                    seconds=seconds,
                )
            )
    with engine.connect() as conn:
        # Table names come from our own metadata, never from a user: no value to bind here
        # (identifiers cannot be bound parameters).
        names = ", ".join(t.name for t in summary_metadata.sorted_tables)
        if postgres:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                sa.text(f"VACUUM ANALYZE {names}")
            )
        else:
            for table in summary_metadata.sorted_tables:
                conn.execute(sa.text(f"ANALYZE {table.name}"))
            conn.commit()
    return RefreshResult(count, len(months), time.perf_counter() - started, stamp)
