"""Vocational training (đào tạo nghề) and job events (việc làm): named aggregate queries.

Every query takes ``(conn, filters, scope)``, resolves Filters ∩ Scope through
``units.resolve`` and ``units.scoped``, aggregates in the database and returns a small frame.
A class belongs to the period it starts in, as for indicators F12/F13; an event to the day it is
held, as for F10/F11. Months are bucketed with ``EXTRACT`` (portable to SQLite and PostgreSQL)
and turned into dates here.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from vocab import AGRI, JOB_FAIR, LABOUR_EXPORT, NON_AGRI, RECRUITMENT

from . import schema as s
from .definitions import data_as_of, event_counted, reference_date
from .filters import Filters, Scope
from .levels import RollUp, at_level
from .sql import as_date, count_if, read_frame, sum_if
from .units import Resolved, resolve, scoped, unit_catalogue

FIELDS = (NON_AGRI, AGRI)  # the order the article and the charts use
EVENT_KINDS = (JOB_FAIR, LABOUR_EXPORT, RECRUITMENT)
CLASS_LIST_MAX = 500  # a district opens ~10 classes a year; 500 bounds a province-wide view


def _ints(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    frame[columns] = frame[columns].fillna(0).astype("int64")
    return frame


def _names(conn: Connection, r: Resolved, frame: pd.DataFrame) -> pd.DataFrame:
    """Add unit_code and unit_name of the filters' unit version to a frame keyed by unit_id."""
    units = unit_catalogue(conn, r.version)[["unit_id", "code", "name"]]
    units = units.rename(columns={"code": "unit_code", "name": "unit_name"})
    out = frame.merge(units, on="unit_id", how="left")
    first = ["unit_id", "unit_code", "unit_name"]
    return out[first + [c for c in out.columns if c not in first]]


def _learners() -> sa.Subquery:
    """Per class: learners enrolled, completed, and employed after the course."""
    en = s.enrolment
    return (
        sa.select(
            en.c.class_id,
            sa.func.count().label("learners"),
            count_if(en.c.completed.is_(True)).label("completed"),
            count_if(en.c.employed_after.is_(True)).label("employed"),
        )
        .group_by(en.c.class_id)
        .subquery("learners")
    )


def _classes(filters: Filters, r: Resolved) -> tuple[sa.Select, sa.ColumnElement, sa.Subquery]:
    """Classes that start in the period, joined to their learner counts, scoped."""
    vc = s.vocational_class
    learners = _learners()
    stmt = (
        sa.select(vc.c.id)
        .select_from(vc)
        .join(learners, learners.c.class_id == vc.c.id, isouter=True)
        .where(vc.c.start_date.between(filters.period.start, filters.period.end_date))
    )
    stmt, unit = scoped(stmt, vc.c.admin_unit_id, r)
    return stmt, unit, learners


def classes_by_field(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Per field (non-agricultural, agricultural): classes started in the period and learners.

    Columns: field, classes, classes_ended (by the reference date), learners, learners_ended
    (in classes that have ended, the base of the completion rate), completed, employed. Both
    fields always appear, with zeros when none started.
    """
    r = resolve(conn, filters, scope)
    ref = reference_date(filters.period, data_as_of(conn))
    stmt, _, lr = _classes(filters, r)
    vc = s.vocational_class
    ended = vc.c.end_date <= ref
    n = sa.func.coalesce(lr.c.learners, 0)
    stmt = stmt.with_only_columns(
        vc.c.field,
        sa.func.count(),
        count_if(ended),
        sa.func.coalesce(sa.func.sum(lr.c.learners), 0),
        sum_if(ended, n),
        sa.func.coalesce(sa.func.sum(lr.c.completed), 0),
        sa.func.coalesce(sa.func.sum(lr.c.employed), 0),
    ).group_by(vc.c.field)
    columns = ["classes", "classes_ended", "learners", "learners_ended", "completed", "employed"]
    frame = read_frame(conn, stmt, ["field", *columns])
    known = pd.DataFrame({"field": list(FIELDS)})
    extra = frame[~frame["field"].isin(FIELDS)]["field"]  # a field added in production
    all_fields = pd.concat([known, extra.to_frame()], ignore_index=True)
    return _ints(all_fields.merge(frame, on="field", how="left"), columns)


def classes_by_commune(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Per commune and field: classes started in the period, learners and those who completed.

    Columns: unit_id, unit_code, unit_name, field, classes, learners, completed. Only communes
    with a class appear.
    """
    r = resolve(conn, filters, scope)
    stmt, unit, lr = _classes(filters, r)
    vc = s.vocational_class
    stmt = (
        stmt.with_only_columns(
            unit,
            vc.c.field,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(lr.c.learners), 0),
            sa.func.coalesce(sa.func.sum(lr.c.completed), 0),
        )
        .group_by(unit, vc.c.field)
        .order_by(unit, vc.c.field)
    )
    columns = ["classes", "learners", "completed"]
    frame = _ints(read_frame(conn, stmt, ["unit_id", "field", *columns]), columns)
    return _names(conn, r, frame)


def class_list(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """The classes started in the period (at most ``CLASS_LIST_MAX``), earliest first.

    Columns: class_id, name, field, unit_code, unit_name, start_date, end_date, hours,
    learners, completed, employed. A class is not a person record: no names of learners.
    """
    r = resolve(conn, filters, scope)
    stmt, unit, lr = _classes(filters, r)
    vc = s.vocational_class
    stmt = (
        stmt.with_only_columns(
            vc.c.id,
            vc.c.name,
            vc.c.field,
            unit,
            vc.c.start_date,
            vc.c.end_date,
            vc.c.hours,
            sa.func.coalesce(lr.c.learners, 0),
            sa.func.coalesce(lr.c.completed, 0),
            sa.func.coalesce(lr.c.employed, 0),
        )
        .order_by(vc.c.start_date, vc.c.id)
        .limit(CLASS_LIST_MAX)
    )
    counts = ["hours", "learners", "completed", "employed"]
    frame = read_frame(
        conn,
        stmt,
        ["class_id", "name", "field", "unit_id", "start_date", "end_date", *counts],
    )
    frame = _ints(frame, counts)
    for column in ("start_date", "end_date"):
        frame[column] = [as_date(d) for d in frame[column]]
    out = _names(conn, r, frame)
    return out[
        [
            "class_id",
            "name",
            "field",
            "unit_code",
            "unit_name",
            "start_date",
            "end_date",
            *counts,
        ]
    ]


def _events(filters: Filters, r: Resolved) -> tuple[sa.Select, sa.ColumnElement]:
    e = s.job_event
    stmt = sa.select(e.c.id).where(
        e.c.event_date.between(filters.period.start, filters.period.end_date), event_counted(e)
    )
    return scoped(stmt, e.c.admin_unit_id, r)


def events_by_month(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Per month and kind: job fairs, labour-export conferences and recruitment consultations.

    Columns: month (first day), kind, events, attendees, registered (signed up for a job).
    Only months with an event appear.
    """
    r = resolve(conn, filters, scope)
    stmt, _ = _events(filters, r)
    e = s.job_event
    year, month = sa.extract("year", e.c.event_date), sa.extract("month", e.c.event_date)
    stmt = (
        stmt.with_only_columns(
            year,
            month,
            e.c.kind,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(e.c.attendees), 0),
            sa.func.coalesce(sa.func.sum(e.c.registered), 0),
        )
        .group_by(year, month, e.c.kind)
        .order_by(year, month, e.c.kind)
    )
    counts = ["events", "attendees", "registered"]
    frame = read_frame(conn, stmt, ["year", "month_no", "kind", *counts])
    frame.insert(
        0,
        "month",
        [date(int(y), int(m), 1) for y, m in zip(frame["year"], frame["month_no"], strict=True)],
    )
    return _ints(frame.drop(columns=["year", "month_no"]), counts)


def events_by_commune(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Per commune and kind: job events held in the period, attendees and registrations.

    Columns: unit_id, unit_code, unit_name, kind, events, attendees, registered. Only communes
    that hosted an event appear.
    """
    r = resolve(conn, filters, scope)
    stmt, unit = _events(filters, r)
    e = s.job_event
    stmt = (
        stmt.with_only_columns(
            unit,
            e.c.kind,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(e.c.attendees), 0),
            sa.func.coalesce(sa.func.sum(e.c.registered), 0),
        )
        .group_by(unit, e.c.kind)
        .order_by(unit, e.c.kind)
    )
    counts = ["events", "attendees", "registered"]
    frame = _ints(read_frame(conn, stmt, ["unit_id", "kind", *counts]), counts)
    return _names(conn, r, frame)


def classes_by_area(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """``classes_by_commune`` at the level the selection is compared at, per field."""
    frame = classes_by_commune(conn, filters, scope)
    return at_level(conn, filters, scope, frame, RollUp(keys=("field",)))


def events_by_area(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """``events_by_commune`` at the level the selection is compared at, per kind of event."""
    frame = events_by_commune(conn, filters, scope)
    return at_level(conn, filters, scope, frame, RollUp(keys=("kind",)))
