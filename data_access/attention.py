"""What needs attention: indicators below their target, or behind the year's pro-rata pace, for
the selection as a whole and for each of its communes. Language-free; the overview lists them.

The rules (the briefing's lagging communes, ``reports/briefing/lags.py``, apply the same two):

- a rate (a percentage) is below target when it is under the district's target rate;
- a count with an annual target is behind pace when its year to date (January to the period's
  end, cut at the data's as-of month) is below the share of the year gone by: after nine
  months, 9/12 = 75% of the target. With the year over, the pace is the whole target.

Only indicators where higher is better are judged: spending and beneficiaries follow need, and
"behind pace" means nothing for a figure that should fall. Counts are judged per commune only
against the commune's own target, which is set for the 2023 units.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy.engine import Connection

from .definitions import data_as_of
from .filters import VERSION_2023, Filters, Period, Scope
from .indicators import (
    INDICATORS,
    district_targets,
    indicator_values,
    selection_targets,
    targets,
)

BELOW_TARGET = "below_target"  # a rate under its target, or a finished year's count under it
BEHIND_PACE = "behind_pace"  # a count under its share of the annual target for the months gone
MONTHS = 12


@dataclass(frozen=True)
class Lag:
    """One indicator that needs attention, for the selection (``unit_code`` None) or a commune."""

    code: str
    rule: str  # BELOW_TARGET or BEHIND_PACE
    unit_code: str | None
    unit_name: str | None
    value: float  # the rate, or the count to date
    target: float  # the target rate, or the annual target
    expected: float | None = None  # behind pace: the count expected by now (target × pace)

    @property
    def share(self) -> float | None:
        """A count's year to date as a share of its annual target (None for a rate)."""
        return self.value / self.target if self.expected is not None and self.target else None


@dataclass(frozen=True)
class Attention:
    """The lags of a selection, with the year to date and the pace they were judged by."""

    year_to_date: Period
    pace: float  # the share of the annual target expected by the end of ``year_to_date``
    lags: tuple[Lag, ...]

    def codes(self) -> list[str]:
        """The indicators that lag, in the registry's order."""
        seen = {lag.code for lag in self.lags}
        return [i.code for i in INDICATORS if i.code in seen]


def year_to_date(period: Period, as_of: date | None) -> Period:
    """January of the period's last year to the period's end, cut at the data's as-of month."""
    start = date(period.end.year, 1, 1)
    end = period.end if as_of is None else min(period.end, as_of.replace(day=1))
    return Period(start, max(end, start))


def pace(months_done: Period) -> float:
    """The share of an annual target expected after ``months_done`` (from January): 9 -> 0.75."""
    return min(months_done.month_count, MONTHS) / MONTHS


def below_target(
    code: str, rows: Iterable[tuple[str | None, str | None, float | None]], target: float | None
) -> list[Lag]:
    """The rows (unit code, name, rate) whose rate is under ``target``, lowest first."""
    if target is None or pd.isna(target):
        return []
    out = [
        Lag(code, BELOW_TARGET, unit, name, float(value), float(target))
        for unit, name, value in rows
        if value is not None and not pd.isna(value) and value < target
    ]
    return sorted(out, key=lambda lag: (lag.value, lag.unit_name or ""))


def behind_pace(
    code: str,
    rows: Iterable[tuple[str | None, str | None, float, float | None]],
    share_due: float,
) -> list[Lag]:
    """The rows (unit code, name, count to date, annual target) under ``share_due`` of their
    target, furthest behind first; a row without a target is not judged."""
    rule = BELOW_TARGET if share_due >= 1 else BEHIND_PACE
    out = []
    for unit, name, value, target in rows:
        if target is None or pd.isna(target) or not target:
            continue
        expected = float(target) * share_due
        if value < expected:
            out.append(Lag(code, rule, unit, name, float(value), float(target), expected))
    return sorted(out, key=lambda lag: (lag.value / lag.target, lag.unit_name or ""))


def attention(conn: Connection, filters: Filters, scope: Scope) -> Attention:
    """The indicators of the selection (and of each of its communes, when it has several) that
    are below target or behind pace, in the registry's order: the selection first, then its
    communes furthest behind first."""
    done = year_to_date(filters.period, data_as_of(conn))
    due = pace(done)
    year = done.end.year
    judged = [i for i in INDICATORS if i.higher_is_better]
    rates = [i.code for i in judged if i.unit == "percent"]
    counts = [i.code for i in judged if i.unit != "percent"]
    now_total, now_units = indicator_values(conn, filters, scope, rates)
    ytd_total, ytd_units = indicator_values(conn, filters.with_period(done), scope, counts)
    goals = selection_targets(conn, filters, scope, year)
    table = targets(conn, filters, scope, year)
    district = district_targets(table)
    own = _own_targets(table) if filters.version == VERSION_2023 else {}
    several = now_units["unit_id"].nunique() > 1 if len(now_units) else False
    # Each frame split by indicator once: a filter per indicator reads every row of a frame
    # that has a row per commune and indicator (some 100.000 for the country).
    now_total_of, now_units_of = _by_code(now_total), _by_code(now_units)
    ytd_total_of, ytd_units_of = _by_code(ytd_total), _by_code(ytd_units)
    lags: list[Lag] = []
    for ind in judged:
        if ind.unit == "percent":
            total = now_total_of(ind.code)
            lags += below_target(ind.code, _totals(total), goals.get(ind.code))
            if several:
                units = now_units_of(ind.code)
                lags += below_target(ind.code, _units(units), district.get(ind.code))
            continue
        total = ytd_total_of(ind.code)
        lags += behind_pace(ind.code, _counted(total, goals.get(ind.code)), due)
        if several:
            units = ytd_units_of(ind.code)
            rows = _units_counted(units, own.get(ind.code, {}))
            lags += behind_pace(ind.code, rows, due)
    return Attention(done, due, tuple(lags))


def _by_code(frame: pd.DataFrame) -> Callable[[str], pd.DataFrame]:
    """The rows of ``frame`` for an indicator code, in their order (none: an empty frame)."""
    parts = {str(code): part for code, part in frame.groupby("code", sort=False)}
    empty = frame.iloc[0:0]
    return lambda code: parts.get(code, empty)


def _own_targets(table: pd.DataFrame) -> dict[str, dict[int, float]]:
    """{indicator: {record-level unit id: the commune's own annual target}}."""
    out: dict[str, dict[int, float]] = {}
    for code, unit_id, value in table.dropna(subset=["unit_id"]).itertuples(index=False):
        out.setdefault(str(code), {})[int(unit_id)] = float(value)
    return out


def _totals(total: pd.DataFrame) -> list[tuple[None, None, float | None]]:
    return [(None, None, v) for v in total["value"].tolist()]


def _units(units: pd.DataFrame) -> list[tuple[str, str, float | None]]:
    # Columns as lists first: iterating a string column element by element costs ~2 µs each,
    # and a national selection has 6.300 communes per indicator.
    columns = (units["unit_code"].tolist(), units["unit_name"].tolist(), units["value"].tolist())
    return list(zip(*columns, strict=True))


def _counted(
    total: pd.DataFrame, goal: float | None
) -> list[tuple[None, None, float, float | None]]:
    return [(None, None, float(n), goal) for n in total["numerator"].tolist()]


def _units_counted(
    units: pd.DataFrame, goals: Mapping[int, float]
) -> list[tuple[str, str, float, float | None]]:
    if not goals:  # no commune has its own target: none is judged (behind_pace skips them)
        return []
    return [
        (str(code), str(name), float(n), goals.get(int(unit_id)))
        for code, name, n, unit_id in zip(
            units["unit_code"].tolist(),
            units["unit_name"].tolist(),
            units["numerator"].tolist(),
            units["unit_id"].tolist(),
            strict=True,
        )
    ]
