"""Reading the summary tables: the measure groups they cover, per unit of the version asked for.

``summary_measures`` answers the groups the summaries hold while they are fresh; the caller
(``queries.measures``, the page queries) reads everything else from the base tables, and both
paths return the same frame. Periods of whole years read ``summary_unit_year``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class UnitColumns:
    """Whole numbers per unit: the units' ids and an int64 array per measure, in their order.

    What ``queries.measures`` keeps for the transaction and places on the selection's units: a
    frame per group, sliced and taken apart column by column, cost more than the SQL at
    national scale (a province's page reads some 40 columns five times)."""

    ids: np.ndarray  # type: ignore[type-arg]
    columns: dict[str, np.ndarray]  # type: ignore[type-arg]

    @classmethod
    def of(cls, frame: pd.DataFrame) -> UnitColumns:
        """From a frame of unit_id and measures (None in a base-table path's frame is 0)."""
        columns = {}
        for name in frame.columns:
            if name != "unit_id":
                series = frame[name]
                columns[name] = (
                    series.to_numpy()
                    if series.dtype.kind in "iu"
                    else series.fillna(0).to_numpy(dtype=np.int64)
                )
        return cls(frame["unit_id"].to_numpy(dtype=np.int64), columns)

    def frame(self) -> pd.DataFrame:
        """unit_id and the measures, as the base tables' path gives them."""
        return pd.DataFrame({"unit_id": self.ids, **self.columns})

    def on(self, ids: np.ndarray) -> dict[str, np.ndarray]:  # type: ignore[type-arg]
        """Each measure for the units ``ids``, in their order; 0 for a unit without a row."""
        if not len(self.ids):
            return {name: np.zeros(len(ids), dtype=np.int64) for name in self.columns}
        sorter = np.argsort(self.ids, kind="stable")
        at = sorter[np.minimum(np.searchsorted(self.ids, ids, sorter=sorter), len(sorter) - 1)]
        found = self.ids[at] == ids
        out = {}
        for name, values in self.columns.items():
            column = np.zeros(len(ids), dtype=np.int64)
            column[found] = values[at[found]]
            out[name] = column
        return out


def summary_measures(
    conn: Connection, resolved: Resolved, period: Period, ref: date, groups: list[str]
) -> dict[str, pd.DataFrame]:
    """Measure groups of ``groups`` answered from fresh summaries: {group: unit_id + columns}.

    Groups the summaries do not cover (or a reference month without stocks) are left out, and
    so is everything when the summaries are absent or stale: the caller reads those from the
    base tables. One query serves the flows, one the stocks.
    """
    found = summary_measure_columns(conn, resolved, period, ref, groups)
    return {g: part.frame() for g, part in found.items()}


def summary_measure_columns(
    conn: Connection, resolved: Resolved, period: Period, ref: date, groups: list[str]
) -> dict[str, UnitColumns]:
    """``summary_measures`` as arrays (``UnitColumns``), for ``queries.measures``."""
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
    found: dict[str, UnitColumns] = {}
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
) -> dict[str, UnitColumns]:
    """States per unit, one statement over two months of one table: the month-end stocks of
    ``ref_month`` (a first day), and child cases open during the period (opened by its
    reference month less closed before ``start``)."""
    sm = summary_unit_month
    months = sorted({ref_month, start}) if cases else [ref_month]
    stmt = sa.select(sm.c.admin_unit_id).where(sm.c.month.in_(months))
    stmt, unit = scoped(stmt, sm.c.admin_unit_id, resolved)
    names, columns = _state_columns(tuple(stocks), tuple(cases))
    read = _int_columns(
        conn.execute(
            stmt.with_only_columns(unit, *columns).group_by(unit),
            {"state_month": ref_month, "cases_start": start},
        ),
        names,
    )
    found = {g: read.only(COLUMNS[g]) for g in stocks}
    for g in cases:
        found[g] = read.only([name for name, _, _ in CASE_TERMS[g]])
    return found


@functools.lru_cache(maxsize=64)
def _state_columns(
    stocks: tuple[str, ...], cases: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[sa.ColumnElement[int], ...]]:
    """The names and expressions of ``_state_totals``' columns, built once per set of groups
    (some 40 conditional sums: building them cost more than their SQL's share of a
    province's page); the months are the bound parameters ``state_month`` and ``cases_start``."""
    sm = summary_unit_month
    stock_names = [n for g in stocks for n in COLUMNS[g]]
    terms = [t for g in cases for t in CASE_TERMS[g]]
    at_ref = sm.c.month == sa.bindparam("state_month", type_=sa.Date)
    at_start = sm.c.month == sa.bindparam("cases_start", type_=sa.Date)
    columns = (
        *(sa.cast(sum_if(at_ref, sm.c[n]), BigInteger) for n in stock_names),
        *(
            sum_if(at_ref, sm.c[opened]) - sum_if(at_start, sm.c[closed])
            for _, opened, closed in terms
        ),
    )
    return (*stock_names, *(name for name, _, _ in terms)), columns


def _summed(column: sa.ColumnElement[int]) -> sa.ColumnElement[int]:
    """sum(column), kept BIGINT for money (PostgreSQL widens a BIGINT sum to NUMERIC)."""
    summed = sa.func.sum(column)
    return sa.cast(summed, BigInteger) if column.name in MONEY else summed


@dataclass(frozen=True)
class _Read:
    """A statement's rows (unit id, then ``names``) as one int64 block, a column a measure."""

    ids: np.ndarray  # type: ignore[type-arg]
    block: np.ndarray  # type: ignore[type-arg]
    names: Sequence[str]

    def only(self, names: Sequence[str]) -> UnitColumns:
        at = {n: i for i, n in enumerate(self.names)}
        return UnitColumns(self.ids, {n: self.block[at[n]] for n in names})


def _int_columns(rows: Iterable[Sequence[Any]], names: Sequence[str]) -> _Read:
    """Whole numbers per unit from ``rows`` (unit id first), transposed once into a column per
    measure."""
    block = np.asarray([tuple(r) for r in rows], dtype=np.int64).reshape(-1, len(names) + 1)
    block = np.ascontiguousarray(block.T)
    return _Read(block[0], block[1:], names)


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
) -> dict[str, UnitColumns]:
    """Flows over the period from the fewest summary rows, one statement: whole years from
    ``summary_unit_year`` (a twelfth of the rows); the months outside them from
    ``summary_unit_month`` — or, for more than half of a year (January to November, the year to
    date), that year's row less the months it does not cover (sums, so exactly equal)."""
    names = [n for g in flows for n in COLUMNS[g]]
    source, summed = _flow_source(tuple(names), period)
    stmt = sa.select(source.c.admin_unit_id)
    stmt, unit = scoped(stmt, source.c.admin_unit_id, resolved)
    read = _int_columns(conn.execute(stmt.with_only_columns(unit, *summed).group_by(unit)), names)
    return {g: read.only(COLUMNS[g]) for g in flows}


@functools.lru_cache(maxsize=128)
def _flow_source(
    names: tuple[str, ...], period: Period
) -> tuple[sa.Subquery, tuple[sa.ColumnElement[int], ...]]:
    """``_flow_totals``' rows of the period and the sums of ``names`` over them, built once per
    period and set of columns (the union and its sums cost more to build than to run for a
    province's page); the caller adds the selection's units."""
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
    return source, tuple(_summed(source.c[n]) for n in names)


def summary_quarters(
    conn: Connection,
    resolved: Resolved,
    quarters: list[Period],
    refs: list[date],
    groups: list[str],
) -> dict[str, dict[str, list[int]]]:
    """Measure groups of ``groups`` per quarter from fresh summaries: {group: {column: a value
    per quarter}} (plain lists: the caller reads a value per indicator and quarter).

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
    found: dict[str, dict[str, list[int]]] = {}
    for g in flows:
        found[g] = {
            c: [sum(v[c] for m, v in at.items() if q.start <= m <= q.end) for q in quarters]
            for c in COLUMNS[g]
        }
    for g in stocks:
        found[g] = {c: [at.get(m, zero)[c] for m in ref_months] for c in COLUMNS[g]}
    for g in cases:
        found[g] = {
            name: [
                at.get(m, zero)[opened] - at.get(start, zero)[closed]
                for start, m in zip(starts, ref_months, strict=True)
            ]
            for name, opened, closed in CASE_TERMS[g]
        }
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
