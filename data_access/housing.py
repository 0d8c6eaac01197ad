"""Queries of the housing page (Nhà ở): grants approved in the period by commune, kind, funding
source and target group, their progress on the reference date, and events month by month.

A grant belongs to a period by its approval date (as F7–F9 do). Progress is read from the
grant's dates on the reference date (started_on, completed_on), not from the ``status``
column, which only says where the grant stands today: a view of Quý II/2023 shows what was
still being built at 30/6/2023. Every function resolves Filters ∩ Scope with
``units.resolve``, joins the unit map with ``units.scoped`` and aggregates in the database.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from vocab import GRANT_EVENTS

from . import schema as s
from .definitions import data_as_of, grant_counted, reference_date
from .filters import Filters, Scope
from .frames import month_frame, per_unit, selected_units
from .levels import RollUp, at_level
from .sql import as_date, count_if, sum_if
from .units import Resolved, resolve, scoped


class days_between(sa.sql.functions.GenericFunction[float]):  # named like the SQL it emits
    """Days from the first date to the second, on SQLite and PostgreSQL alike."""

    type = sa.Float()
    inherit_cache = True


@compiles(days_between)
def _days_between_default(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"({end} - {start})"  # PostgreSQL: date − date is a whole number of days


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = list(element.clauses)  # SQLite keeps dates as ISO text
    return (
        f"(julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)}))"
    )


def _approved_in_period(filters: Filters, resolved: Resolved) -> tuple[sa.Select, Any]:
    g = s.housing_grant
    stmt = sa.select(g.c.admin_unit_id).where(
        g.c.approved_on.between(filters.period.start, filters.period.end_date), grant_counted(g)
    )
    return scoped(stmt, g.c.admin_unit_id, resolved)


def grants_by_commune(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Grants approved in the period per commune: new builds, repairs and their money (F7–F9).

    Columns: unit_code, unit_name, new_builds, repairs, grants, new_amount, repair_amount,
    amount (đồng); every commune of the selection has a row.
    """
    resolved = resolve(conn, filters, scope)
    g = s.housing_grant
    stmt, unit = _approved_in_period(filters, resolved)
    new, repair = g.c.kind == "new", g.c.kind == "repair"
    stmt = stmt.with_only_columns(
        unit,
        count_if(new),
        count_if(repair),
        sa.func.count(),
        sum_if(new, g.c.amount_vnd),
        sum_if(repair, g.c.amount_vnd),
        sa.func.coalesce(sa.func.sum(g.c.amount_vnd), 0),
    ).group_by(unit)
    columns = ["new_builds", "repairs", "grants", "new_amount", "repair_amount", "amount"]
    return per_unit(conn, resolved, stmt, columns)


def _by_dimension(
    conn: Connection, filters: Filters, scope: Scope, column: sa.Column[str], name: str
) -> pd.DataFrame:
    """Grants approved in the period grouped by ``column`` and kind, with money."""
    resolved = resolve(conn, filters, scope)
    g = s.housing_grant
    stmt, _ = _approved_in_period(filters, resolved)
    stmt = (
        stmt.with_only_columns(
            column, g.c.kind, sa.func.count(), sa.func.coalesce(sa.func.sum(g.c.amount_vnd), 0)
        )
        .group_by(column, g.c.kind)
        .order_by(column, g.c.kind)
    )
    rows = [(r[0], r[1], int(r[2]), int(r[3])) for r in conn.execute(stmt)]
    return pd.DataFrame(rows, columns=[name, "kind", "grants", "amount"])


def grants_by_source(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Grants approved in the period by funding source and kind: source, kind, grants, amount."""
    return _by_dimension(conn, filters, scope, s.housing_grant.c.funding_source, "source")


def grants_by_target_group(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Grants approved in the period by target group and kind: group, kind, grants, amount."""
    return _by_dimension(conn, filters, scope, s.housing_grant.c.target_group, "group")


def grant_progress(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Where the grants approved in the period stand on the reference date, per commune.

    Columns: unit_code, unit_name, grants, waiting, building, completed, late (finished after
    the deadline, or unfinished past it), mean_days (approval to completion over the completed
    ones, None when none is), first_approved, last_completed (dates or None).
    """
    resolved = resolve(conn, filters, scope)
    ref = reference_date(filters.period, data_as_of(conn))
    g = s.housing_grant
    done = sa.and_(g.c.completed_on.is_not(None), g.c.completed_on <= ref)
    started = sa.and_(g.c.started_on.is_not(None), g.c.started_on <= ref)
    late = sa.or_(
        sa.and_(done, g.c.completed_on > g.c.deadline), sa.and_(sa.not_(done), g.c.deadline < ref)
    )
    stmt, unit = _approved_in_period(filters, resolved)
    stmt = stmt.with_only_columns(
        unit,
        sa.func.count(),
        count_if(sa.and_(sa.not_(done), sa.not_(started))),
        count_if(sa.and_(sa.not_(done), started)),
        count_if(done),
        count_if(late),
        sa.func.avg(sa.case((done, days_between(g.c.approved_on, g.c.completed_on)))),
        sa.func.min(g.c.approved_on),
        sa.func.max(sa.case((done, g.c.completed_on))),
    ).group_by(unit)
    # Every selected unit a row (zeros, no mean, no dates where it has no grant), filled from
    # the statement's rows by position: no merge, fill and cast of 6.300 rows at national scale.
    units = selected_units(conn, resolved).reset_index(drop=True)
    position = {unit: i for i, unit in enumerate(units["unit_id"].tolist())}
    size = len(position)
    counts = np.zeros((size, 5), dtype=np.int64)
    mean_days = np.full(size, np.nan)
    first: list[date | None] = [None] * size
    last: list[date | None] = [None] * size
    for r in conn.execute(stmt):
        i = position.get(int(r[0]))
        if i is None:
            continue
        counts[i] = r[1:6]
        mean_days[i] = np.nan if r[6] is None else float(r[6])
        first[i], last[i] = as_date(r[7]), as_date(r[8])
    frame = units.drop(columns=["unit_id"])
    for j, column in enumerate(("grants", "waiting", "building", "completed", "late")):
        frame[column] = counts[:, j]
    frame["mean_days"] = mean_days
    frame["first_approved"] = pd.Series(first, dtype=object)
    frame["last_completed"] = pd.Series(last, dtype=object)
    return frame


def grant_events_by_month(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Grants approved and grants completed in each month of the period (to the reference date).

    Columns: month (timestamp), event ("approved" / "completed"), grants; every month of the
    period up to the reference date has both rows (zeros included). A completion counts in its
    own month, whenever its grant was approved.
    """
    resolved = resolve(conn, filters, scope)
    ref = reference_date(filters.period, data_as_of(conn))
    g = s.housing_grant
    parts = []
    for event, column, last in (
        ("approved", g.c.approved_on, filters.period.end_date),
        ("completed", g.c.completed_on, min(filters.period.end_date, ref)),
    ):
        year, month = sa.extract("year", column), sa.extract("month", column)
        stmt = sa.select(g.c.admin_unit_id).where(
            column.between(filters.period.start, last), grant_counted(g)
        )
        stmt, _ = scoped(stmt, g.c.admin_unit_id, resolved)
        stmt = stmt.with_only_columns(year, month, sa.func.count()).group_by(year, month)
        parts.append(month_frame(list(conn.execute(stmt)), ["grants"]).assign(event=event))
    found = pd.concat(parts, ignore_index=True)
    # Every month of the period (to the reference month) and both events, zeros included, so
    # a line chart does not draw across empty months.
    months = pd.date_range(filters.period.start, min(filters.period.end, ref), freq="MS")
    grid = pd.MultiIndex.from_product([months, GRANT_EVENTS.codes()], names=["month", "event"])
    frame = (
        found.set_index(["month", "event"])["grants"]
        .reindex(grid, fill_value=0)
        .astype("int64")
        .reset_index()
    )
    return frame.sort_values(["month", "event"]).reset_index(drop=True)


def grants_by_area(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """``grants_by_commune`` at the level the selection is compared at (``levels.at_level``):
    a row per province or district when it spans several, with a ``level`` column."""
    return at_level(conn, filters, scope, grants_by_commune(conn, filters, scope), RollUp())


PROGRESS_ROLL_UP = RollUp(
    earliest=("first_approved",), latest=("last_completed",), weighted={"mean_days": "completed"}
)


def progress_by_area(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """``grant_progress`` at the level the selection is compared at: stages summed, the mean
    days over every completed grant of the area, its first approval and last completion."""
    return at_level(conn, filters, scope, grant_progress(conn, filters, scope), PROGRESS_ROLL_UP)
