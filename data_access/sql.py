"""Small SQL helpers every query module shares: conditional aggregates, month arithmetic that
compiles alike on SQLite and PostgreSQL, and turning driver rows into frames and dates.

This module knows no table and no domain rule (those are in ``schema`` and ``definitions``):
everything in the data layer may import it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler


def count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    """How many rows meet ``condition`` (0, not NULL, when none do)."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def sum_if(
    condition: sa.ColumnElement[bool], value: sa.ColumnElement[Any]
) -> sa.ColumnElement[Any]:
    """The sum of ``value`` over the rows that meet ``condition`` (0, not NULL, when none do)."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, value), else_=0)), 0)


def read_frame(conn: Connection, stmt: sa.Select, columns: list[str]) -> pd.DataFrame:
    """Run ``stmt`` and return its rows as a frame with ``columns``."""
    return pd.DataFrame([tuple(r) for r in conn.execute(stmt).all()], columns=columns)


def as_date(value: object) -> date | None:
    """A date from a driver value: SQLite may hand back ISO text where type information is lost
    (an aggregate); None stays None, and so does text that is no date ('2023-13-45' stored in a
    SQLite DATE column): callers select valid dates (``valid_date``), this is the last guard."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    assert isinstance(value, date)
    return value


class valid_date(sa.sql.functions.GenericFunction[bool]):  # named for what it asks
    """True where a DATE column holds a real date (not NULL).

    PostgreSQL refuses anything else on insert; SQLite stores any text, and SQLAlchemy raises
    ValueError when it reads '2023-13-45' back as a date. On SQLite the value must be exactly
    what ``date(value, '+0 days')`` makes of it: ``date('2023-13-45', '+0 days')`` is NULL, and
    ``date('2023-02-30', '+0 days')`` is '2023-03-02' ('2023-02-30' without the modifier),
    which Python would refuse too.
    """

    type = sa.Boolean()
    inherit_cache = True


@compiles(valid_date)
def _valid_date_default(element: valid_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)} IS NOT NULL)"  # PostgreSQL


@compiles(valid_date, "sqlite")
def _valid_date_sqlite(element: valid_date, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"(coalesce(date({value}, '+0 days') = {value}, 0) = 1)"


def year_of(day: sa.ColumnElement[date]) -> sa.ColumnElement[int]:
    """The calendar year of a date, as an integer on SQLite and PostgreSQL alike."""
    return sa.cast(sa.extract("year", day), sa.Integer)


def month_number(day: sa.ColumnElement[date]) -> sa.ColumnElement[int]:
    """The month (1–12) of a date, as an integer on SQLite and PostgreSQL alike (PostgreSQL's
    EXTRACT gives a NUMERIC, which the driver hands back as a Decimal per row)."""
    return sa.cast(sa.extract("month", day), sa.Integer)


class month_of(sa.sql.functions.GenericFunction[date]):  # named like the SQL it emits
    """The first day of the month of a date, on SQLite and PostgreSQL alike."""

    type = sa.Date()
    inherit_cache = True


@compiles(month_of)
def _month_of_default(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)  # PostgreSQL
    return f"CAST(date_trunc('month', CAST({value} AS TIMESTAMP)) AS DATE)"


@compiles(month_of, "sqlite")
def _month_of_sqlite(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


class month_after(sa.sql.functions.GenericFunction[date]):  # named like the SQL it emits
    """The first day of the month of the day after a date (a half-open end in months)."""

    type = sa.Date()
    inherit_cache = True


@compiles(month_after)
def _month_after_default(element: month_after, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)  # PostgreSQL
    return f"CAST(date_trunc('month', CAST({value} AS TIMESTAMP) + INTERVAL '1 day') AS DATE)"


@compiles(month_after, "sqlite")
def _month_after_sqlite(element: month_after, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '+1 day', 'start of month')"


class iso_date(sa.sql.functions.GenericFunction[str]):  # named for the text it gives
    """A date as ISO text (``2023-07-16``), whatever the session's ``DateStyle``: PostgreSQL's
    ``to_char``; SQLite stores dates as that text already."""

    type = sa.String()
    inherit_cache = True


@compiles(iso_date)
def _iso_date_default(element: iso_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char({compiler.process(next(iter(element.clauses)), **kw)}, 'YYYY-MM-DD')"


@compiles(iso_date, "sqlite")
def _iso_date_sqlite(element: iso_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(next(iter(element.clauses)), **kw)} AS VARCHAR)"


class sorted_strings(sa.sql.functions.GenericFunction[str]):  # named for what it gives
    """The texts of a group joined by a separator, in their sort order: PostgreSQL's
    ``string_agg(x, sep ORDER BY x)``; SQLite before 3.44 takes no ORDER BY in an aggregate, so
    its ``group_concat`` joins them in the order the rows arrive (the caller feeds them sorted)."""

    type = sa.String()
    inherit_cache = True


@compiles(sorted_strings)
def _sorted_strings_default(element: sorted_strings, compiler: SQLCompiler, **kw: Any) -> str:
    text, separator = (compiler.process(c, **kw) for c in element.clauses)
    return f"string_agg({text}, {separator} ORDER BY {text})"


@compiles(sorted_strings, "sqlite")
def _sorted_strings_sqlite(element: sorted_strings, compiler: SQLCompiler, **kw: Any) -> str:
    text, separator = (compiler.process(c, **kw) for c in element.clauses)
    return f"group_concat({text}, {separator})"
