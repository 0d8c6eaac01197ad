"""Queries of the coverage page (Bao phủ): elderly BHYT cards, health-check visits, child cases,
and the child-protection network (boards and village collaborators).

Every function takes ``(conn, filters, scope)``, resolves Filters ∩ Scope with
``units.resolve``, joins the unit map of the chosen unit version with ``units.scoped`` and
aggregates with ``GROUP BY`` in the database. Definitions match the indicator registry
(F1–F6, ``queries.MEASURES``), so these breakdowns always add up to the tiles above them.
Point-in-time measures are read on ``definitions.reference_date``.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema as s
from .definitions import (
    CARD_FUNDING,
    ELDERLY_CHECK_KINDS,
    data_as_of,
    elderly_on,
    reference_date,
)
from .filters import Filters, Period, Scope
from .frames import month_frame, per_unit, selected_units, with_unit_names, zero_filled
from .levels import RollUp, at_level
from .sql import as_date, count_if, month_number, year_of
from .summaries.freshness import summary_status
from .summaries.read import summary_measures
from .summaries.tables import summary_unit_month
from .units import Resolved, resolve, scoped

# A person with two cards counts once, under the best.
_FUNDING_RANK = {code: rank for rank, code in enumerate(CARD_FUNDING, start=1)}


def elderly_cards(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Elderly per commune by the funding of their BHYT card valid on the reference date.

    Columns: unit_code, unit_name, elderly, state, partial, self, none, covered (state +
    partial: F1's numerator), covered_share (covered / elderly, None without elderly).
    """
    resolved = resolve(conn, filters, scope)
    ref = reference_date(filters.period, data_as_of(conn))
    found = summary_measures(conn, resolved, filters.period, ref, ["elderly_bhyt", "elderly_cards"])
    if len(found) == 2:  # month-end stocks: nested counts of the best card held
        stock = found["elderly_bhyt"].merge(found["elderly_cards"], on="unit_id")
        rows = pd.DataFrame(
            {
                "unit_id": stock["unit_id"],
                "elderly": stock["elderly"],
                "state": stock["elderly_card_state"],
                "partial": stock["elderly_covered"] - stock["elderly_card_state"],
                "self": stock["elderly_card_any"] - stock["elderly_covered"],
                "none": stock["elderly"] - stock["elderly_card_any"],
            }
        )
        return _with_coverage(zero_filled(conn, resolved, rows))
    p, c = s.person, s.health_insurance_card
    rank = sa.case(*((c.c.funding == k, v) for k, v in _FUNDING_RANK.items()), else_=None)
    best = (
        sa.select(c.c.person_id, sa.func.min(rank).label("rank"))
        .where(c.c.valid_from <= ref, c.c.valid_to >= ref)
        .group_by(c.c.person_id)
        .subquery("best_card")
    )
    stmt = (
        sa.select(p.c.admin_unit_id)
        .select_from(p)
        .join(best, best.c.person_id == p.c.id, isouter=True)
        .where(elderly_on(p, ref))
    )
    stmt, unit = scoped(stmt, p.c.admin_unit_id, resolved)
    stmt = stmt.with_only_columns(
        unit,
        sa.func.count(),
        *(count_if(best.c.rank == v) for v in _FUNDING_RANK.values()),
        count_if(best.c.rank.is_(None)),
    ).group_by(unit)
    return _with_coverage(
        per_unit(conn, resolved, stmt, ["elderly", "state", "partial", "self", "none"])
    )


def _with_coverage(frame: pd.DataFrame) -> pd.DataFrame:
    """Add covered (state + partial) and covered_share to an ``elderly_cards`` frame."""
    frame["covered"] = frame["state"] + frame["partial"]
    frame["covered_share"] = [
        c / e if e else None for c, e in zip(frame["covered"], frame["elderly"], strict=True)
    ]
    return frame


def health_visits_by_month(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Elderly-programme health-check and consultation visits per month and commune (F2).

    Columns: month (first day, timestamp), unit_code, unit_name, visits; only months and
    communes with visits, ordered by month then commune code.
    """
    resolved = resolve(conn, filters, scope)
    period: Period = filters.period
    visits: sa.ColumnElement[int]
    where: sa.ColumnElement[bool]
    status = summary_status(conn)
    if status is not None and status.fresh:  # counted per unit and month by the refresh
        sm = summary_unit_month
        day, unit_column, visits = sm.c.month, sm.c.admin_unit_id, sa.func.sum(sm.c.health_visits)
        where = sm.c.month.between(period.start, period.end)
        stored_month = True  # a summary row's day is its month's first day
    else:
        h = s.health_check
        day, unit_column, visits = h.c.check_date, h.c.admin_unit_id, sa.func.count()
        where = sa.and_(
            h.c.check_date.between(period.start, period.end_date),
            h.c.kind.in_(ELDERLY_CHECK_KINDS),
        )
        stored_month = False
    # extract() compiles to EXTRACT on PostgreSQL and to STRFTIME on SQLite: same buckets; as
    # integers (a year by commune is some 75.000 rows at national scale: not two Decimals each).
    year, month = year_of(day), month_number(day)
    # Group a stored month as it is, not by two computed columns.
    buckets = (day,) if stored_month else (year, month)
    stmt, unit = scoped(sa.select(unit_column).where(where), unit_column, resolved)
    stmt = (
        stmt.with_only_columns(year, month, unit, visits)
        .group_by(*buckets, unit)
        .having(visits > 0)  # the summaries keep months without visits
    )
    rows = month_frame(list(conn.execute(stmt)), ["unit_id", "visits"])
    frame = with_unit_names(conn, resolved, rows)
    frame = frame[["month", "unit_code", "unit_name", "visits"]]
    return frame.sort_values(["month", "unit_code"]).reset_index(drop=True)


def _child_cases_stmt(
    filters: Filters, resolved: Resolved, ref: date
) -> tuple[sa.Select, sa.ColumnElement[int]]:
    """Child cases open during the period (F3/F4's rule), joined to the unit map."""
    k = s.child_case
    stmt = sa.select(k.c.admin_unit_id).where(
        k.c.opened_on <= min(filters.period.end_date, ref),
        sa.or_(k.c.closed_on.is_(None), k.c.closed_on >= filters.period.start),
    )
    return scoped(stmt, k.c.admin_unit_id, resolved)


def _supported(ref: date) -> sa.ColumnElement[bool]:
    k = s.child_case
    return sa.and_(k.c.supported_on.is_not(None), k.c.supported_on <= ref)


def child_cases_by_commune(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Child cases open in the period per commune, and those supported by the reference date.

    Columns: unit_code, unit_name, special_cases, special_supported, at_risk_cases,
    at_risk_supported (F3 and F4's numerators and denominators per commune).
    """
    resolved = resolve(conn, filters, scope)
    ref = reference_date(filters.period, data_as_of(conn))
    k = s.child_case
    stmt, unit = _child_cases_stmt(filters, resolved, ref)
    special, at_risk = k.c.circumstance == "special", k.c.circumstance == "at_risk"
    stmt = stmt.with_only_columns(
        unit,
        count_if(special),
        count_if(sa.and_(special, _supported(ref))),
        count_if(at_risk),
        count_if(sa.and_(at_risk, _supported(ref))),
    ).group_by(unit)
    return per_unit(
        conn,
        resolved,
        stmt,
        ["special_cases", "special_supported", "at_risk_cases", "at_risk_supported"],
    )


def child_cases_by_category(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Child cases open in the period by circumstance and category, with those supported.

    Columns: circumstance, category, cases, supported; ordered special first, then by category.
    """
    resolved = resolve(conn, filters, scope)
    ref = reference_date(filters.period, data_as_of(conn))
    k = s.child_case
    stmt, _ = _child_cases_stmt(filters, resolved, ref)
    stmt = (
        stmt.with_only_columns(
            k.c.circumstance, k.c.category, sa.func.count(), count_if(_supported(ref))
        )
        .group_by(k.c.circumstance, k.c.category)
        .order_by(sa.desc(k.c.circumstance), k.c.category)  # "special" before "at_risk"
    )
    rows = [(r[0], r[1], int(r[2]), int(r[3])) for r in conn.execute(stmt)]
    return pd.DataFrame(rows, columns=["circumstance", "category", "cases", "supported"])


def protection_network(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Child-protection boards and village collaborators per commune on the reference date.

    Columns: unit_code, unit_name, communes (record-level communes in the unit: 1, or several
    under the 2025 version), communes_with_board, board_since (earliest board's date, or
    None), villages, villages_with_collaborator (F5 and F6 per commune).
    """
    resolved = resolve(conn, filters, scope)
    ref = reference_date(filters.period, data_as_of(conn))
    u, b, v = s.admin_unit, s.child_protection_board, s.village
    boards = (
        sa.select(b.c.admin_unit_id, sa.func.min(b.c.established_on).label("since"))
        .where(b.c.established_on <= ref)
        .group_by(b.c.admin_unit_id)
        .subquery("boards")
    )
    stmt = (
        sa.select(u.c.id)
        .select_from(u)
        .join(boards, boards.c.admin_unit_id == u.c.id, isouter=True)
        .where(
            u.c.kind.in_(s.COMMUNE_KINDS),
            u.c.valid_from <= ref,
            sa.or_(u.c.valid_to.is_(None), u.c.valid_to >= ref),
        )
    )
    stmt, unit = scoped(stmt, u.c.id, resolved)
    stmt = stmt.with_only_columns(
        unit, sa.func.count(), sa.func.count(boards.c.admin_unit_id), sa.func.min(boards.c.since)
    ).group_by(unit)
    board_rows = pd.DataFrame(
        [(int(r[0]), int(r[1]), int(r[2]), as_date(r[3])) for r in conn.execute(stmt)],
        columns=["unit_id", "communes", "communes_with_board", "board_since"],
    )
    has_collaborator = sa.and_(
        v.c.child_collaborator_since.is_not(None), v.c.child_collaborator_since <= ref
    )
    vstmt, vunit = scoped(sa.select(v.c.admin_unit_id), v.c.admin_unit_id, resolved)
    vstmt = vstmt.with_only_columns(vunit, sa.func.count(), count_if(has_collaborator)).group_by(
        vunit
    )
    village_rows = pd.DataFrame(
        [tuple(int(x) for x in r) for r in conn.execute(vstmt)],
        columns=["unit_id", "villages", "villages_with_collaborator"],
    )
    frame = (
        selected_units(conn, resolved)
        .merge(board_rows, on="unit_id", how="left")
        .merge(village_rows, on="unit_id", how="left")
    )
    counts = ["communes", "communes_with_board", "villages", "villages_with_collaborator"]
    frame[counts] = frame[counts].fillna(0).astype("int64")
    frame["board_since"] = pd.Series(
        [d if isinstance(d, date) else None for d in frame["board_since"]], dtype=object
    )
    columns = ["unit_code", "unit_name", "communes", "communes_with_board", "board_since"]
    return frame[[*columns, "villages", "villages_with_collaborator"]].reset_index(drop=True)


def elderly_cards_by_area(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """``elderly_cards`` at the level the selection is compared at (``levels.at_level``): the
    counts summed, the covered share recomputed from them."""
    rule = RollUp(derived=("covered", "covered_share"), then=_with_coverage)
    return at_level(conn, filters, scope, elderly_cards(conn, filters, scope), rule)


def visits_by_area(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """``health_visits_by_month`` at the level the selection is compared at: each area's visits
    per month (the table under the chart has a column per area, not per commune)."""
    frame = health_visits_by_month(conn, filters, scope)
    return at_level(conn, filters, scope, frame, RollUp(keys=("month",)))


def child_cases_by_area(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """``child_cases_by_commune`` at the level the selection is compared at (sums)."""
    return at_level(conn, filters, scope, child_cases_by_commune(conn, filters, scope), RollUp())


def protection_by_area(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """``protection_network`` at the level the selection is compared at: communes, boards and
    villages summed, the earliest board's date."""
    frame = protection_network(conn, filters, scope)
    return at_level(conn, filters, scope, frame, RollUp(earliest=("board_since",)))
