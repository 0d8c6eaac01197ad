"""The last quarters of each indicator, for the small trend beside a tile: one statement per
measure group, whatever the number of quarters.

Each quarter is computed with the very rule of the tile (``queries.AGGREGATES``): a flow (visits,
grants, classes, money paid) is summed over the quarter's months, a state (the elderly holding a
card, beneficiaries on the list, communes with a board) is read on the quarter's last day. Flows
are grouped by quarter in one GROUP BY; a state needs its own reference day per quarter, so
its quarters are one scan counting each quarter's rows under its own condition (a state that
counts rows, ``Aggregate.counted``: the child cases), or else one UNION ALL of one-row
aggregates. Only whole quarters with data are shown:
a quarter still running would read as a fall.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .definitions import data_as_of, first_month, reference_date
from .filters import Filters, Period, Scope, add_months
from .indicators import BY_CODE, INDICATORS
from .queries import AGGREGATES, Aggregate
from .sql import count_if, year_of
from .summaries.read import summary_quarters
from .units import Resolved, resolve

TREND_QUARTERS = 8  # two years: each quarter beside the same quarter a year before

TREND_COLUMNS = ["code", "quarter", "numerator", "denominator", "value"]


def trend_quarters(
    period: Period, first: date | None, as_of: date | None, n: int = TREND_QUARTERS
) -> list[Period]:
    """The last ``n`` whole quarters ending by the period's end and by the data's as-of date,
    oldest first; none that starts before the data's first month."""
    end = min(period.end_date, as_of) if as_of else period.end_date
    last = Period.quarter(end.year, (end.month - 1) // 3 + 1)
    if last.end_date > end:  # the quarter is still running: stop at the one before
        last = Period(add_months(last.start, -3), add_months(last.end, -3))
    quarters = [
        Period(add_months(last.start, -3 * k), add_months(last.end, -3 * k)) for k in range(n)
    ]
    return [q for q in reversed(quarters) if first is None or q.start >= first.replace(day=1)]


def _by_quarter(
    conn: Connection, resolved: Resolved, group: str, quarters: list[Period], as_of: date | None
) -> dict[str, list[int]]:
    """A measure group per quarter: {measure: its value in each quarter, oldest first}.

    A flow: one GROUP BY over the quarters' months. A state read on a reference day: one UNION
    ALL of one-row aggregates, each on its quarter's last day.
    """
    span = Period(quarters[0].start, quarters[-1].end)
    agg = AGGREGATES[group](resolved, span, reference_date(span, as_of))
    if agg.day is None and agg.within is not None and agg.counted is not None:
        rows = _counted_by_quarter(conn, resolved, group, quarters, as_of, agg)
    elif agg.day is None:
        branches = [_one_row(resolved, group, q, as_of, i) for i, q in enumerate(quarters)]
        rows = {int(r[0]): tuple(r[1:]) for r in conn.execute(sa.union_all(*branches))}
    else:
        year = year_of(agg.day)
        # Constants as literal SQL, not bound parameters: PostgreSQL matches a GROUP BY
        # expression to the selected one only when both read the same, and each bind is a new
        # placeholder.
        month = sa.cast(sa.extract("month", agg.day), sa.Integer)
        quarter = (month + sa.literal_column("2")) // sa.literal_column("3")
        stmt = agg.stmt.with_only_columns(year, quarter, *agg.columns).group_by(year, quarter)
        index = {(q.start.year, (q.start.month + 2) // 3): i for i, q in enumerate(quarters)}
        rows = {}
        for r in conn.execute(stmt):
            key = (int(r[0]), int(r[1]))
            if key in index:
                rows[index[key]] = tuple(r[2:])
    zero = (0,) * len(agg.names)
    data = [[int(v or 0) for v in rows.get(i, zero)] for i in range(len(quarters))]
    return {name: [values[j] for values in data] for j, name in enumerate(agg.names)}


def _counted_by_quarter(
    conn: Connection,
    resolved: Resolved,
    group: str,
    quarters: list[Period],
    as_of: date | None,
    span: Aggregate,
) -> dict[int, tuple[Any, ...]]:
    """A state that counts rows, every quarter in one scan: the rows of the whole span (whose
    condition holds every quarter's), each column counted once per quarter under that quarter's
    own condition and reference day. At national scale: one read of the child cases instead
    of eight."""
    columns = []
    for quarter in quarters:
        agg = AGGREGATES[group](resolved, quarter, reference_date(quarter, as_of))
        assert agg.within is not None and agg.counted is not None
        columns += [count_if(sa.and_(agg.within, c)) for c in agg.counted]
    row = conn.execute(span.stmt.with_only_columns(*columns)).one()
    width = len(span.names)
    return {i: tuple(row[i * width : (i + 1) * width]) for i in range(len(quarters))}


def _one_row(
    resolved: Resolved, group: str, quarter: Period, as_of: date | None, index: int
) -> sa.Select:
    """A state group's aggregates on the quarter's reference day, tagged with its index."""
    agg = AGGREGATES[group](resolved, quarter, reference_date(quarter, as_of))
    return agg.stmt.with_only_columns(sa.literal(index, sa.Integer), *agg.columns)


def quarterly(
    conn: Connection, filters: Filters, scope: Scope, codes: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """Each indicator of ``codes`` (default: all) over the last whole quarters of the selection.

    Columns: code, quarter (its first day), numerator, denominator (None for a count), value;
    the quarters oldest first. Empty when no whole quarter has data yet.
    """
    quarters = trend_quarters(filters.period, first_month(conn), data_as_of(conn))
    if not quarters:
        return pd.DataFrame(columns=TREND_COLUMNS)
    as_of = data_as_of(conn)
    resolved = resolve(conn, filters, scope)
    chosen = [BY_CODE[c] for c in codes] if codes else INDICATORS
    groups = sorted({i.group for i in chosen})
    # Fresh summary tables answer what they hold (two statements); the rest, the base tables.
    refs = [reference_date(q, as_of) for q in quarters]
    # Plain lists (a frame lookup per indicator and quarter costs more than the SQL).
    columns = summary_quarters(conn, resolved, quarters, refs, groups)
    for group in groups:
        if group not in columns:
            columns[group] = _by_quarter(conn, resolved, group, quarters, as_of)
    rows = []
    for ind in chosen:
        values = columns[ind.group]
        for i, quarter in enumerate(quarters):
            num = int(values[ind.numerator][i])
            den = int(values[ind.denominator][i]) if ind.denominator else None
            rows.append((ind.code, quarter.start, num, den, ind.value(num, den)))
    return pd.DataFrame(rows, columns=TREND_COLUMNS)
