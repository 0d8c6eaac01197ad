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
from ..units import Resolved, scoped
from .freshness import summary_status
from .tables import COLUMNS, FLOWS, MONEY, STOCKS, summary_unit_month, summary_unit_year


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
        found.update(_stock_totals(conn, resolved, ref_month, stocks))
    return {g: found[g] for g in [*flows, *stocks]}


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
