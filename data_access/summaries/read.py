"""Reading the summary tables: the measure groups they cover, per unit of the version asked for.

``summary_measures`` answers the groups the summaries hold while they are fresh; the caller
(``queries.measures``, the page queries) reads everything else from the base tables, and both
paths return the same frame. Periods of whole years read ``summary_unit_year``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy import BigInteger
from sqlalchemy.engine import Connection

from ..filters import Period, add_months
from ..sql import sum_if
from ..units import Resolved, scoped
from .freshness import SummaryStatus, summary_status
from .tables import (
    CASES,
    COLUMNS,
    FLOWS,
    MONEY,
    STOCKS,
    summary_unit_month,
    summary_unit_year,
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
    flows = [g for g in groups if g in FLOWS]
    stocks = [g for g in groups if g in STOCKS and status.has_stocks_for(ref_month)]
    cases = [g for g in groups if g in CASES and cases_readable(status, period.start, ref_month)]
    if not flows and not stocks and not cases:
        return {}
    found: dict[str, pd.DataFrame] = {}
    if flows:
        found.update(_flow_totals(conn, resolved, period, flows))
    if stocks:
        found.update(_stock_totals(conn, resolved, ref_month, stocks))
    if cases:
        found.update(_case_totals(conn, resolved, period.start, ref_month, cases))
    return {g: found[g] for g in [*flows, *stocks, *cases]}


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


def _case_totals(
    conn: Connection, resolved: Resolved, start: date, ref_month: date, cases: list[str]
) -> dict[str, pd.DataFrame]:
    """Child cases open during the period per unit: two months of one table, one statement."""
    sm = summary_unit_month
    terms = [t for g in cases for t in CASE_TERMS[g]]
    stmt = sa.select(sm.c.admin_unit_id).where(sm.c.month.in_(sorted({start, ref_month})))
    stmt, unit = scoped(stmt, sm.c.admin_unit_id, resolved)
    columns = [
        sum_if(sm.c.month == ref_month, sm.c[opened]) - sum_if(sm.c.month == start, sm.c[closed])
        for _, opened, closed in terms
    ]
    frame = _int_frame(
        conn.execute(stmt.with_only_columns(unit, *columns).group_by(unit)).all(),
        [name for name, _, _ in terms],
    )
    return {g: frame[["unit_id", *(name for name, _, _ in CASE_TERMS[g])]] for g in cases}


def _stock_totals(
    conn: Connection, resolved: Resolved, ref_month: date, stocks: list[str]
) -> dict[str, pd.DataFrame]:
    """Month-end stocks of ``ref_month`` (a first day) per unit: one statement."""
    sm = summary_unit_month
    names = [n for g in stocks for n in COLUMNS[g]]
    stmt = sa.select(sm.c.admin_unit_id).where(sm.c.month == ref_month)
    stmt, unit = scoped(stmt, sm.c.admin_unit_id, resolved)
    stmt = stmt.with_only_columns(unit, *(_summed(sm.c[n]) for n in names)).group_by(unit)
    frame = _int_frame(conn.execute(stmt).all(), names)
    return {g: frame[["unit_id", *COLUMNS[g]]] for g in stocks}


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
    on the base tables. Two statements whatever the number of quarters, each returning a row per
    month (the quarters are added up here from at most a few dozen rows). Groups the summaries
    do not cover, or states of a month without stocks, are left out: the caller reads those from
    the base tables.
    """
    status = summary_status(conn)
    if status is None or not status.fresh or not quarters:
        return {}
    ref_months = [r.replace(day=1) for r in refs]
    flows = [g for g in groups if g in FLOWS]
    stocks_known = all(status.has_stocks_for(m) for m in ref_months)
    stocks = [g for g in groups if g in STOCKS] if stocks_known else []
    found: dict[str, pd.DataFrame] = {}
    sm = summary_unit_month
    if flows:
        names = [n for g in flows for n in COLUMNS[g]]
        span = sm.c.month.between(quarters[0].start, quarters[-1].end)
        totals = [[0] * len(names) for _ in quarters]
        for month, values in _month_totals(conn, resolved, names, span).items():
            for i, quarter in enumerate(quarters):
                if quarter.start <= month <= quarter.end:
                    totals[i] = [a + b for a, b in zip(totals[i], values, strict=True)]
        frame = pd.DataFrame(totals, columns=names, dtype="int64")
        found.update({g: frame[list(COLUMNS[g])] for g in flows})
    if stocks:
        names = [n for g in stocks for n in COLUMNS[g]]
        read = _month_totals(conn, resolved, names, sm.c.month.in_(sorted(set(ref_months))))
        zero = (0,) * len(names)
        frame = pd.DataFrame([read.get(m, zero) for m in ref_months], columns=names, dtype="int64")
        found.update({g: frame[list(COLUMNS[g])] for g in stocks})
    starts = [q.start for q in quarters]
    cases = [
        g
        for g in groups
        if g in CASES
        and all(cases_readable(status, s, m) for s, m in zip(starts, ref_months, strict=True))
    ]
    if cases:
        names = [n for g in cases for n in COLUMNS[g]]
        months = sm.c.month.in_(sorted({*starts, *ref_months}))
        read = _month_totals(conn, resolved, names, months)
        zero = (0,) * len(names)
        at = {m: dict(zip(names, read.get(m, zero), strict=True)) for m in {*starts, *ref_months}}
        for g in cases:
            rows = [
                [at[m][opened] - at[start][closed] for _, opened, closed in CASE_TERMS[g]]
                for start, m in zip(starts, ref_months, strict=True)
            ]
            names_g = [name for name, _, _ in CASE_TERMS[g]]
            found[g] = pd.DataFrame(rows, columns=names_g, dtype="int64")
    return found


def _month_totals(
    conn: Connection, resolved: Resolved, names: list[str], months: sa.ColumnElement[bool]
) -> dict[date, tuple[int, ...]]:
    """The selection's total of each column of ``names`` per month of ``months``."""
    sm = summary_unit_month
    stmt = sa.select(sm.c.admin_unit_id).where(months)
    stmt, _ = scoped(stmt, sm.c.admin_unit_id, resolved)
    stmt = stmt.with_only_columns(sm.c.month, *(_summed(sm.c[n]) for n in names)).group_by(
        sm.c.month
    )
    return {r[0]: tuple(int(v or 0) for v in r[1:]) for r in conn.execute(stmt)}
