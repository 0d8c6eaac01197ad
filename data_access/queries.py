"""The measure groups behind the indicators: one aggregate query each over the record-level tables.

``measures`` answers each group from the summary tables while they are fresh, else from its
query here; both give the same frame. Queries aggregate in the database with bound parameters
and return small DataFrames. Point-in-time measures (who is elderly, who holds a card, who is
on the allowance) are read on the *reference date* (``definitions.reference_date``): the
period's last day, or the data's as-of date when the period runs past it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema as s

# The ``X as X`` names are defined in ``definitions`` and named here too, for callers outside
# the data layer that know them as ``queries.X`` (pages, reports, benchmark, demo builder).
from .definitions import ELDERLY_AGE as ELDERLY_AGE
from .definitions import (
    ELDERLY_CHECK_KINDS,
    JOB_FAIR_KINDS,
    PAID,
    data_as_of,
    elderly_on,
    event_counted,
    grant_counted,
    payment_counted,
    reference_date,
    state_supported_on,
)
from .definitions import STATE_SUPPORTED_FUNDING as STATE_SUPPORTED_FUNDING
from .definitions import first_month as first_month
from .definitions import years_before as years_before
from .filters import Filters, Period, Scope
from .sql import count_if, read_frame, sum_if
from .summaries.read import UnitColumns, summary_measure_columns, summary_version_totals
from .txcache import per_transaction
from .units import Resolved, resolve, scoped, unit_catalogue


def is_demo_database(conn: Connection) -> bool:
    """True when the database says it was built by ``data_access.demo`` (shows a banner)."""
    i = s.dataset_info
    source = conn.execute(sa.select(i.c.value).where(i.c.key == "source")).scalar()
    return source == "demo"


# --- measure groups: one query each, one row per unit of the chosen version ----------------
# Each group is written once, as an ``Aggregate``: the rows it counts (FROM, joins, WHERE, joined
# to the unit map) and its aggregate columns. ``MEASURES`` groups them by unit; the trends
# (``data_access.trends``) group the same rows by quarter, so a tile and its sparkline apply
# the same rule.


@dataclass(frozen=True)
class Aggregate:
    """One measure group's statement before it is grouped."""

    stmt: sa.Select  # the rows counted: FROM, joins, WHERE, scoped to the unit map
    unit: sa.ColumnElement[int]  # the unit of the chosen version each row counts under
    columns: tuple[sa.ColumnElement[Any], ...]  # the aggregates, in the order of ``names``
    names: tuple[str, ...]
    day: sa.ColumnElement[date] | None = None  # a flow's date (the period is a range of it);
    # None for a stock or a state read on the reference date
    # A state whose columns all count rows: the period's row condition (part of ``stmt``'s
    # WHERE, and implied by the condition of any longer period around it) and what each column
    # counts. The trends then read every quarter in one scan of the rows (``trends``).
    within: sa.ColumnElement[bool] | None = None
    counted: tuple[sa.ColumnElement[bool], ...] | None = None

    def per_unit(self) -> sa.Select:
        """The aggregates per unit of the version."""
        return self.stmt.with_only_columns(self.unit, *self.columns).group_by(self.unit)


Build = Callable[[Resolved, Period, date], Aggregate]
Measure = Callable[[Connection, Resolved, Period, date], pd.DataFrame]


def _elderly_bhyt(r: Resolved, period: Period, ref: date) -> Aggregate:
    """Elderly (60+ on the reference date, alive) and those holding a valid state-supported card."""
    p, covered = s.person, state_supported_on(ref)
    stmt = (
        sa.select(p.c.admin_unit_id)
        .select_from(p)
        .join(covered, covered.c.person_id == p.c.id, isouter=True)
        .where(elderly_on(p, ref))
    )
    stmt, unit = scoped(stmt, p.c.admin_unit_id, r)
    return Aggregate(
        stmt,
        unit,
        (sa.func.count(), sa.func.count(covered.c.person_id)),
        ("elderly", "elderly_covered"),
    )


def _health_visits(r: Resolved, period: Period, ref: date) -> Aggregate:
    """Visits of the elderly health programme (check-ups and consultations) in the period."""
    h = s.health_check
    stmt = sa.select(h.c.admin_unit_id).where(
        h.c.check_date.between(period.start, period.end_date),
        h.c.kind.in_(ELDERLY_CHECK_KINDS),
    )
    stmt, unit = scoped(stmt, h.c.admin_unit_id, r)
    return Aggregate(
        stmt,
        unit,
        (sa.func.count(), count_if(h.c.free_medicine.is_(True))),
        ("health_visits", "visits_with_medicine"),
        h.c.check_date,
    )


def _children(r: Resolved, period: Period, ref: date) -> Aggregate:
    """Child cases open during the period, and those supported by the reference date."""
    k = s.child_case
    supported = sa.and_(k.c.supported_on.is_not(None), k.c.supported_on <= ref)
    special = k.c.circumstance == "special"
    at_risk = k.c.circumstance == "at_risk"
    open_then = sa.and_(
        k.c.opened_on <= min(period.end_date, ref),
        sa.or_(k.c.closed_on.is_(None), k.c.closed_on >= period.start),
    )
    stmt, unit = scoped(sa.select(k.c.admin_unit_id).where(open_then), k.c.admin_unit_id, r)
    counted = (special, sa.and_(special, supported), at_risk, sa.and_(at_risk, supported))
    return Aggregate(
        stmt,
        unit,
        tuple(count_if(c) for c in counted),
        ("special_cases", "special_supported", "at_risk_cases", "at_risk_supported"),
        within=open_then,
        counted=counted,
    )


def _boards(r: Resolved, period: Period, ref: date) -> Aggregate:
    """Record-level communes, and those with a child-protection board by the reference date."""
    u, b = s.admin_unit, s.child_protection_board
    with_board = (
        sa.select(b.c.admin_unit_id).where(b.c.established_on <= ref).distinct().subquery("wb")
    )
    stmt = (
        sa.select(u.c.id)
        .select_from(u)
        .join(with_board, with_board.c.admin_unit_id == u.c.id, isouter=True)
        .where(
            u.c.kind.in_(s.COMMUNE_KINDS),
            u.c.valid_from <= ref,
            sa.or_(u.c.valid_to.is_(None), u.c.valid_to >= ref),
        )
    )
    stmt, unit = scoped(stmt, u.c.id, r)
    return Aggregate(
        stmt,
        unit,
        (sa.func.count(), sa.func.count(with_board.c.admin_unit_id)),
        ("communes", "communes_with_board"),
    )


def _villages(r: Resolved, period: Period, ref: date) -> Aggregate:
    """Villages, and those with a child-protection collaborator by the reference date."""
    v = s.village
    stmt, unit = scoped(sa.select(v.c.admin_unit_id), v.c.admin_unit_id, r)
    since = v.c.child_collaborator_since
    return Aggregate(
        stmt,
        unit,
        (sa.func.count(), count_if(sa.and_(since.is_not(None), since <= ref))),
        ("villages", "villages_with_collaborator"),
    )


def _housing(r: Resolved, period: Period, ref: date) -> Aggregate:
    """Housing grants approved in the period: new builds, repairs, money, socialised money."""
    g = s.housing_grant
    stmt = sa.select(g.c.admin_unit_id).where(
        g.c.approved_on.between(period.start, period.end_date), grant_counted(g)
    )
    stmt, unit = scoped(stmt, g.c.admin_unit_id, r)
    return Aggregate(
        stmt,
        unit,
        (
            count_if(g.c.kind == "new"),
            count_if(g.c.kind == "repair"),
            sa.func.coalesce(sa.func.sum(g.c.amount_vnd), 0),
            sum_if(g.c.funding_source == "socialised", g.c.amount_vnd),
            count_if(g.c.status == "completed"),
        ),
        ("new_builds", "repairs", "grant_amount", "socialised_amount", "grants_completed"),
        g.c.approved_on,
    )


def _job_events(r: Resolved, period: Period, ref: date) -> Aggregate:
    """Job fairs / labour-export conferences and recruitment consultations held in the period."""
    e = s.job_event
    stmt = sa.select(e.c.admin_unit_id).where(
        e.c.event_date.between(period.start, period.end_date), event_counted(e)
    )
    stmt, unit = scoped(stmt, e.c.admin_unit_id, r)
    return Aggregate(
        stmt,
        unit,
        (
            count_if(e.c.kind.in_(JOB_FAIR_KINDS)),
            count_if(e.c.kind == "recruitment"),
            sa.func.coalesce(sa.func.sum(e.c.attendees), 0),
        ),
        ("job_fairs", "recruitment_events", "event_attendees"),
        e.c.event_date,
    )


def _training(r: Resolved, period: Period, ref: date) -> Aggregate:
    """Vocational classes started in the period, by field, with their learners."""
    vc, en = s.vocational_class, s.enrolment
    learners = (
        sa.select(
            en.c.class_id,
            sa.func.count().label("n"),
            count_if(en.c.completed.is_(True)).label("done"),
        )
        .group_by(en.c.class_id)
        .subquery("learners")
    )
    stmt = (
        sa.select(vc.c.admin_unit_id)
        .select_from(vc)
        .join(learners, learners.c.class_id == vc.c.id, isouter=True)
        .where(vc.c.start_date.between(period.start, period.end_date))
    )
    stmt, unit = scoped(stmt, vc.c.admin_unit_id, r)
    return Aggregate(
        stmt,
        unit,
        (
            sa.func.count(),
            count_if(vc.c.field == "non_agri"),
            count_if(vc.c.field == "agri"),
            sa.func.coalesce(sa.func.sum(learners.c.n), 0),
            sa.func.coalesce(sa.func.sum(learners.c.done), 0),
        ),
        ("classes", "classes_non_agri", "classes_agri", "learners", "learners_completed"),
        vc.c.start_date,
    )


def _allowance_active(r: Resolved, period: Period, ref: date) -> Aggregate:
    """Monthly-allowance beneficiaries on the list in the reference month."""
    b = s.allowance_beneficiary
    ref_month = ref.replace(day=1)
    stmt = sa.select(b.c.admin_unit_id).where(
        b.c.start_month <= ref_month,
        sa.or_(b.c.end_month.is_(None), b.c.end_month >= ref_month),
    )
    stmt, unit = scoped(stmt, b.c.admin_unit_id, r)
    return Aggregate(
        stmt,
        unit,
        (sa.func.count(), count_if(b.c.payment_method == "bank")),
        ("beneficiaries", "beneficiaries_bank"),
    )


def _payouts(r: Resolved, period: Period, ref: date) -> Aggregate:
    """Allowance paid for the months of the period (status paid), in đồng."""
    pay = s.allowance_payment
    stmt = sa.select(pay.c.admin_unit_id).where(
        pay.c.month.between(period.start, period.end), pay.c.status == PAID, payment_counted(pay)
    )
    stmt, unit = scoped(stmt, pay.c.admin_unit_id, r)
    return Aggregate(
        stmt,
        unit,
        (sa.func.coalesce(sa.func.sum(pay.c.amount_vnd), 0), sa.func.count()),
        ("paid_amount", "payments"),
        pay.c.month,
    )


def _per_unit(build: Build) -> Measure:
    """The measure group of ``build`` per unit: unit_id plus its measure columns."""

    def measure(conn: Connection, r: Resolved, period: Period, ref: date) -> pd.DataFrame:
        aggregate = build(r, period, ref)
        return read_frame(conn, aggregate.per_unit(), ["unit_id", *aggregate.names])

    measure.__name__ = measure.__qualname__ = build.__name__.lstrip("_")
    measure.__doc__ = build.__doc__
    return measure


AGGREGATES: dict[str, Build] = {
    "elderly_bhyt": _elderly_bhyt,
    "health_visits": _health_visits,
    "children": _children,
    "boards": _boards,
    "villages": _villages,
    "housing": _housing,
    "job_events": _job_events,
    "training": _training,
    "allowance_active": _allowance_active,
    "payouts": _payouts,
}
elderly_bhyt = _per_unit(_elderly_bhyt)
health_visits = _per_unit(_health_visits)
children = _per_unit(_children)
boards = _per_unit(_boards)
villages = _per_unit(_villages)
housing = _per_unit(_housing)
job_events = _per_unit(_job_events)
training = _per_unit(_training)
allowance_active = _per_unit(_allowance_active)
payouts = _per_unit(_payouts)
MEASURES: dict[str, Measure] = {
    "elderly_bhyt": elderly_bhyt,
    "health_visits": health_visits,
    "children": children,
    "boards": boards,
    "villages": villages,
    "housing": housing,
    "job_events": job_events,
    "training": training,
    "allowance_active": allowance_active,
    "payouts": payouts,
}


def measures(
    conn: Connection, filters: Filters, scope: Scope, groups: list[str] | None = None
) -> pd.DataFrame:
    """Every measure of ``groups`` (default: all) per unit of the selection, zeros filled.

    Columns: unit_id, code, name, then one integer column per measure. Groups that fresh
    summary tables cover are read from them (``data_access.summaries``), the rest from the
    record-level tables; the frame is the same either way.

    Each group is read once per transaction for the same filters and scope: the overview asks
    for the period's measures three times (headline, attention, the comparison table), and a
    page that runs its queries in one transaction (``data_access.overview``) pays once.
    """
    resolved = resolve(conn, filters, scope)
    units = _selection_units(conn, resolved)
    frame = units[["unit_id", "code", "name"]].reset_index(drop=True)
    columns = _on_units(conn, filters, scope, resolved, groups, units)
    return pd.concat([frame, pd.DataFrame(columns)], axis=1)


def _selection_units(conn: Connection, resolved: Resolved) -> pd.DataFrame:
    """The catalogue's rows of the selection's units, in the catalogue's order."""
    units = unit_catalogue(conn, resolved.version)
    if resolved.unit_ids is not None:
        units = units[units["unit_id"].isin(resolved.unit_ids)]
    return units


def _on_units(
    conn: Connection,
    filters: Filters,
    scope: Scope,
    resolved: Resolved,
    groups: list[str] | None,
    units: pd.DataFrame,
) -> dict[str, np.ndarray]:  # type: ignore[type-arg]
    """Each measure of ``groups`` as an int64 array over ``units``' rows."""
    ref = reference_date(filters.period, data_as_of(conn))
    wanted = groups or list(MEASURES)
    known: dict[tuple[str, Filters, Scope], UnitColumns] = per_transaction(
        conn, "welfare.measures", dict
    )
    missing = [g for g in wanted if (g, filters, scope) not in known]
    summarised = (
        summary_measure_columns(conn, resolved, filters.period, ref, missing) if missing else {}
    )
    for group in missing:
        part = summarised.get(group)
        if part is None:
            part = UnitColumns.of(MEASURES[group](conn, resolved, filters.period, ref))
        known[(group, filters, scope)] = part
    # Each part (a row per unit at most) placed on the selection's units by position, zeros
    # where a unit has no row: int64 arrays, not a concat, reindex, fill and cast of some 40
    # columns.
    ids = units["unit_id"].to_numpy(dtype=np.int64)
    columns: dict[str, np.ndarray] = {}  # type: ignore[type-arg]
    for group in wanted:
        columns.update(known[(group, filters, scope)].on(ids))
    return columns


def measure_totals(
    conn: Connection, filters: Filters, scope: Scope, groups: list[str]
) -> dict[str, int]:
    """Every measure of ``groups`` summed over the selection: {column: total}.

    A whole unit version with fresh summaries reads its monthly totals (a few dozen rows);
    otherwise the per-unit ``measures`` are summed. Both give the same numbers."""
    resolved = resolve(conn, filters, scope)
    ref = reference_date(filters.period, data_as_of(conn))
    found = summary_version_totals(conn, resolved, filters.period, ref, groups)
    if found is not None:
        return found
    units = _selection_units(conn, resolved)
    columns = _on_units(conn, filters, scope, resolved, groups, units)
    return {c: int(v.sum()) for c, v in columns.items()}
