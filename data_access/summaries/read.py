"""Reading the summary tables: the measure groups they cover, per unit of the version asked for.

``summary_measures`` answers the groups the summaries hold while they are fresh; the caller
(``queries.measures``, the page queries) reads everything else from the base tables, and both
paths return the same frame. Periods of whole years read ``summary_unit_year``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy import BigInteger
from sqlalchemy.engine import Connection

from ..filters import Period, add_months, month_end
from ..sql import sum_if
from ..units import Resolved, scoped
from .freshness import SummaryStatus, summary_status
from .tables import (
    CASES,
    COLUMNS,
    FLOWS,
    MONEY,
    STOCKS,
    summary_check_record,
    summary_unit_month,
    summary_unit_year,
    summary_version_month,
)


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
    # States are counted at a month's end: a reference day inside a month (data loaded up to
    # the 15th) is read from the base tables.
    month_end_ref = ref == month_end(ref_month)
    flows = [g for g in groups if g in FLOWS]
    stocks = [
        g for g in groups if g in STOCKS and month_end_ref and status.has_stocks_for(ref_month)
    ]
    cases = [
        g
        for g in groups
        if g in CASES and month_end_ref and cases_readable(status, period.start, ref_month)
    ]
    if not flows and not stocks and not cases:
        return {}
    found: dict[str, pd.DataFrame] = {}
    if flows:
        found.update(_flow_totals(conn, resolved, period, flows))
    if stocks or cases:
        found.update(_state_totals(conn, resolved, period.start, ref_month, stocks, cases))
    return {g: found[g] for g in [*flows, *stocks, *cases]}


def summary_version_totals(
    conn: Connection, resolved: Resolved, period: Period, ref: date, groups: list[str]
) -> dict[str, int] | None:
    """The measures of ``groups`` summed over a whole unit version, from ``summary_version_month``:
    {column: total}, exactly the sum over its units of what ``summary_measures`` gives per unit.
    None unless the selection is the whole version and every group can be read (fresh
    summaries, states on a month's last day with stocks for it, child cases readable)."""
    if resolved.unit_ids is not None or resolved.base_ids is not None:
        return None
    status = summary_status(conn)
    if status is None or not status.fresh:
        return None
    ref_month = ref.replace(day=1)
    month_end_ref = ref == month_end(ref_month)
    for g in groups:
        readable = (
            g in FLOWS
            or (g in STOCKS and month_end_ref and status.has_stocks_for(ref_month))
            or (g in CASES and month_end_ref and cases_readable(status, period.start, ref_month))
        )
        if not readable:
            return None
    names = [n for g in groups for n in COLUMNS[g]]
    sv = summary_version_month
    stmt = sa.select(sv.c.month, *(sv.c[n] for n in names)).where(
        sv.c.version == resolved.version,
        sa.or_(
            sv.c.month.between(period.start, period.end),
            sv.c.month.in_(sorted({ref_month, period.start})),
        ),
    )
    at = {
        r[0]: dict(zip(names, (int(v or 0) for v in r[1:]), strict=True))
        for r in conn.execute(stmt)
    }
    zero = dict.fromkeys(names, 0)
    totals: dict[str, int] = {}
    for g in groups:
        if g in FLOWS:
            for n in COLUMNS[g]:
                totals[n] = sum(v[n] for m, v in at.items() if period.start <= m <= period.end)
        elif g in STOCKS:
            totals.update({n: at.get(ref_month, zero)[n] for n in COLUMNS[g]})
        else:
            for name, opened, closed in CASE_TERMS[g]:
                totals[name] = at.get(ref_month, zero)[opened] - at.get(period.start, zero)[closed]
    return totals


# Each child-case measure as the base query names it, from the summary's columns (``CASES``):
# open during [S, E] read on R = opened by R's month, less closed before S's month.
CASE_TERMS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "children": (
        ("special_cases", "special_opened", "special_closed"),
        ("special_supported", "special_opened_supported", "special_closed_supported"),
        ("at_risk_cases", "at_risk_opened", "at_risk_closed"),
        ("at_risk_supported", "at_risk_opened_supported", "at_risk_closed_supported"),
    ),
}


def cases_readable(status: SummaryStatus, start: date, ref_month: date) -> bool:
    """True when the child-case columns answer a period from ``start`` read in ``ref_month``:
    the refresh found their premise true, both months have stocks, and the period does not start
    after its reference day (a period wholly after the data's as-of date)."""
    return (
        status.case_detail
        and start <= ref_month
        and status.has_stocks_for(start)
        and status.has_stocks_for(ref_month)
    )


def _state_totals(
    conn: Connection,
    resolved: Resolved,
    start: date,
    ref_month: date,
    stocks: list[str],
    cases: list[str],
) -> dict[str, pd.DataFrame]:
    """States per unit, one statement over two months of one table: the month-end stocks of
    ``ref_month`` (a first day), and child cases open during the period (opened by its
    reference month less closed before ``start``)."""
    sm = summary_unit_month
    stock_names = [n for g in stocks for n in COLUMNS[g]]
    terms = [t for g in cases for t in CASE_TERMS[g]]
    months = sorted({ref_month, start}) if cases else [ref_month]
    stmt = sa.select(sm.c.admin_unit_id).where(sm.c.month.in_(months))
    stmt, unit = scoped(stmt, sm.c.admin_unit_id, resolved)
    at_ref = sm.c.month == ref_month
    columns = [
        *(sa.cast(sum_if(at_ref, sm.c[n]), BigInteger) for n in stock_names),
        *(
            sum_if(at_ref, sm.c[opened]) - sum_if(sm.c.month == start, sm.c[closed])
            for _, opened, closed in terms
        ),
    ]
    names = [*stock_names, *(name for name, _, _ in terms)]
    frame = _int_frame(
        conn.execute(stmt.with_only_columns(unit, *columns).group_by(unit)).all(), names
    )
    found = {g: frame[["unit_id", *COLUMNS[g]]] for g in stocks}
    for g in cases:
        found[g] = frame[["unit_id", *(name for name, _, _ in CASE_TERMS[g])]]
    return found


def _summed(column: sa.ColumnElement[int]) -> sa.ColumnElement[int]:
    """sum(column), kept BIGINT for money (PostgreSQL widens a BIGINT sum to NUMERIC)."""
    summed = sa.func.sum(column)
    return sa.cast(summed, BigInteger) if column.name in MONEY else summed


def _int_frame(rows: Sequence[Any], names: list[str]) -> pd.DataFrame:
    """Whole numbers per unit as one int64 block: built column by column, a frame of 40
    columns × 6.300 units costs several times more to slice later."""
    columns = ["unit_id", *names]
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="int64") for c in columns})
    return pd.DataFrame(np.asarray([tuple(r) for r in rows], dtype="int64"), columns=columns)


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


def _year_segments(start: date, end: date) -> list[tuple[date, date]]:
    """The months ``start``..``end`` cut at each new year: (first, last) within one year each."""
    segments = []
    while start <= end:
        last = min(end, date(start.year, 12, 1))
        segments.append((start, last))
        start = date(start.year + 1, 1, 1)
    return segments


def _months(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _flow_totals(
    conn: Connection, resolved: Resolved, period: Period, flows: list[str]
) -> dict[str, pd.DataFrame]:
    """Flows over the period from the fewest summary rows, one statement: whole years from
    ``summary_unit_year`` (a twelfth of the rows); the months outside them from
    ``summary_unit_month`` — or, for more than half of a year (January to November, the year to
    date), that year's row less the months it does not cover (sums, so exactly equal)."""
    names = [n for g in flows for n in COLUMNS[g]]
    sm, sy = summary_unit_month, summary_unit_year

    def year_rows(first: int, last: int) -> sa.Select:
        return sa.select(sy.c.admin_unit_id, *(sy.c[n] for n in names)).where(
            sy.c.year.between(first, last)
        )

    def month_rows(start: date, end: date, sign: int = 1) -> sa.Select:
        columns = (sm.c[n] if sign > 0 else (-sm.c[n]).label(n) for n in names)
        return sa.select(sm.c.admin_unit_id, *columns).where(sm.c.month.between(start, end))

    years = full_years(period)
    parts: list[sa.Select] = []
    if years:
        first, last = date(years[0], 1, 1), date(years[-1], 12, 1)
        parts.append(year_rows(years[0], years[-1]))
        ranges = [(period.start, add_months(first, -1)), (add_months(last, 1), period.end)]
    else:
        ranges = [(period.start, period.end)]
    for start, end in (seg for a, b in ranges for seg in _year_segments(a, b)):
        if _months(start, end) <= 6:
            parts.append(month_rows(start, end))
            continue
        parts.append(year_rows(start.year, start.year))
        january, december = date(start.year, 1, 1), date(start.year, 12, 1)
        for a, b in ((january, add_months(start, -1)), (add_months(end, 1), december)):
            if a <= b:
                parts.append(month_rows(a, b, sign=-1))
    source = (
        parts[0].subquery("flows") if len(parts) == 1 else sa.union_all(*parts).subquery("flows")
    )
    stmt = sa.select(source.c.admin_unit_id)
    stmt, unit = scoped(stmt, source.c.admin_unit_id, resolved)
    stmt = stmt.with_only_columns(unit, *(_summed(source.c[n]) for n in names)).group_by(unit)
    frame = _int_frame(conn.execute(stmt).all(), names)
    return {g: frame[["unit_id", *COLUMNS[g]]] for g in flows}


def summary_quarters(
    conn: Connection,
    resolved: Resolved,
    quarters: list[Period],
    refs: list[date],
    groups: list[str],
) -> dict[str, pd.DataFrame]:
    """Measure groups of ``groups`` per quarter from fresh summaries: {group: rows 0..n-1}.

    A flow is the sum of its quarter's months, a state the month-end stock of the month of the
    quarter's reference day (``refs``, one per quarter): the very rules of ``trends._by_quarter``
    on the base tables; child cases open during a quarter as ``summary_measures`` reads them.
    One statement whatever the number of quarters, returning a row per month (the quarters are
    added up here from at most a few dozen rows). Groups the summaries
    do not cover, or states of a month without stocks, are left out: the caller reads those from
    the base tables.
    """
    status = summary_status(conn)
    if status is None or not status.fresh or not quarters:
        return {}
    ref_months = [r.replace(day=1) for r in refs]
    starts = [q.start for q in quarters]
    flows = [g for g in groups if g in FLOWS]
    ends = all(r == month_end(m) for r, m in zip(refs, ref_months, strict=True))
    stocks_known = ends and all(status.has_stocks_for(m) for m in ref_months)
    stocks = [g for g in groups if g in STOCKS] if stocks_known else []
    cases_known = stocks_known and all(
        cases_readable(status, a, m) for a, m in zip(starts, ref_months, strict=True)
    )
    cases = [g for g in groups if g in CASES] if cases_known else []
    names = [n for g in [*flows, *stocks, *cases] for n in COLUMNS[g]]
    if not names:
        return {}
    # One statement: every month of the quarters when a flow needs them all (the reference and
    # start months are among them), else only the months the states are read in.
    wanted = sorted({*ref_months, *starts})

    def months(month: sa.ColumnElement[date]) -> sa.ColumnElement[bool]:
        return month.between(starts[0], quarters[-1].end) if flows else month.in_(wanted)

    read = _month_totals(conn, resolved, names, months)
    zero = dict.fromkeys(names, 0)
    at = {m: dict(zip(names, v, strict=True)) for m, v in read.items()}
    found: dict[str, pd.DataFrame] = {}
    for g in flows:
        columns = list(COLUMNS[g])
        rows = [
            [sum(v[c] for m, v in at.items() if q.start <= m <= q.end) for c in columns]
            for q in quarters
        ]
        found[g] = pd.DataFrame(rows, columns=columns, dtype="int64")
    for g in stocks:
        columns = list(COLUMNS[g])
        rows = [[at.get(m, zero)[c] for c in columns] for m in ref_months]
        found[g] = pd.DataFrame(rows, columns=columns, dtype="int64")
    for g in cases:
        rows = [
            [
                at.get(m, zero)[opened] - at.get(start, zero)[closed]
                for _, opened, closed in CASE_TERMS[g]
            ]
            for start, m in zip(starts, ref_months, strict=True)
        ]
        found[g] = pd.DataFrame(rows, columns=[n for n, _, _ in CASE_TERMS[g]], dtype="int64")
    return found


def _month_totals(
    conn: Connection,
    resolved: Resolved,
    names: list[str],
    months: Callable[[sa.ColumnElement[date]], sa.ColumnElement[bool]],
) -> dict[date, tuple[int, ...]]:
    """The selection's total of each column of ``names`` per month that ``months`` accepts.

    A whole unit version (no commune chosen, a scope that sees everything) reads
    ``summary_version_month``: its rows are these very sums, joined to the same unit map."""
    if resolved.unit_ids is None and resolved.base_ids is None:
        sv = summary_version_month
        stmt = sa.select(sv.c.month, *(sv.c[n] for n in names)).where(
            sv.c.version == resolved.version, months(sv.c.month)
        )
        return {r[0]: tuple(int(v or 0) for v in r[1:]) for r in conn.execute(stmt)}
    sm = summary_unit_month
    stmt = sa.select(sm.c.admin_unit_id).where(months(sm.c.month))
    stmt, _ = scoped(stmt, sm.c.admin_unit_id, resolved)
    stmt = stmt.with_only_columns(sm.c.month, *(_summed(sm.c[n]) for n in names)).group_by(
        sm.c.month
    )
    return {r[0]: tuple(int(v or 0) for v in r[1:]) for r in conn.execute(stmt)}


def uncovered_elderly_units(status: SummaryStatus | None, ref: date) -> sa.Select[Any] | None:
    """The record-level units with an elderly person lacking a state-supported card on ``ref``
    (``elderly`` > ``elderly_covered`` in ``summary_unit_month``), as a select of unit ids; None
    when the summaries cannot say (stale, or no month-end stocks for ``ref``).

    The stocks count exactly the people check ``elderly_no_bhyt`` lists (elderly and alive at
    the month's end, no card of that funding valid on it), per the person's own unit: the check
    need read only these units' people."""
    ref_month = ref.replace(day=1)
    if status is None or not status.fresh or ref != month_end(ref_month):
        return None
    if not status.has_stocks_for(ref_month):
        return None
    sm = summary_unit_month
    return sa.select(sm.c.admin_unit_id).where(
        sm.c.month == ref_month, sm.c.elderly > sm.c.elderly_covered
    )


def among_candidates(
    column: sa.ColumnElement[int], code: str, record: sa.Table
) -> sa.ColumnElement[bool]:
    """``column`` (an id of ``record``) is one of the records kept under ``code`` in
    ``summary_check_record`` (``quality.candidates``)."""
    c = summary_check_record
    ids = sa.select(c.c.record_id).where(c.c.check_code == code, c.c.record == record.name)
    return column.in_(ids)
