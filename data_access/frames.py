"""Frames keyed by the selection's units or by month, shared by the page query modules.

A page's table has a row for every unit of the selection (zeros where nothing happened), named
by the unit version asked for; a monthly chart gets its months as dates. Aggregating stays in
SQL: these only shape the few rows a query returns.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .units import Resolved, unit_catalogue


def selected_units(conn: Connection, resolved: Resolved) -> pd.DataFrame:
    """unit_id, unit_code, unit_name of the units in the selection, in code order."""
    units = unit_catalogue(conn, resolved.version)
    if resolved.unit_ids is not None:
        units = units[units["unit_id"].isin(resolved.unit_ids)]
    return units[["unit_id", "code", "name"]].rename(
        columns={"code": "unit_code", "name": "unit_name"}
    )


def per_unit(
    conn: Connection, resolved: Resolved, stmt: sa.Select, columns: list[str]
) -> pd.DataFrame:
    """Run a per-unit aggregate and give every selected unit a row (zeros where none)."""
    rows = pd.DataFrame([tuple(r) for r in conn.execute(stmt)], columns=["unit_id", *columns])
    return zero_filled(conn, resolved, rows)


def zero_filled(conn: Connection, resolved: Resolved, rows: pd.DataFrame) -> pd.DataFrame:
    """Every selected unit (code, name) with ``rows``' measures, keyed by unit_id; zeros filled."""
    columns = [c for c in rows.columns if c != "unit_id"]
    frame = selected_units(conn, resolved).merge(rows, on="unit_id", how="left")
    frame[columns] = frame[columns].fillna(0).astype("int64")
    return frame.drop(columns=["unit_id"]).reset_index(drop=True)


def with_unit_names(conn: Connection, resolved: Resolved, rows: pd.DataFrame) -> pd.DataFrame:
    """Put unit_code and unit_name in front of a frame keyed by unit_id."""
    frame = selected_units(conn, resolved).merge(rows, on="unit_id", how="inner")
    return frame.drop(columns=["unit_id"]).reset_index(drop=True)


def month_frame(rows: list[sa.Row], columns: list[str]) -> pd.DataFrame:
    """Rows of (year, month, ints…) as a frame: ``month`` (first day, timestamp), ``columns``."""
    raw = pd.DataFrame([tuple(r) for r in rows], columns=["year", "month_no", *columns])
    # Vectorised (at national scale a year by commune is some 75.000 rows): months since
    # 1970-01 as numpy months, which pd.to_datetime of year/month/day columns takes 20× longer.
    # astype first: a NULL year (SQLite's STRFTIME of '2024-1-15') raises, as it did before.
    years, months_no = (raw[c].astype("int64").to_numpy() for c in ("year", "month_no"))
    since_1970 = (years - 1970) * 12 + months_no - 1
    months = since_1970.astype("datetime64[M]").astype("datetime64[us]")
    frame = pd.DataFrame({"month": months})
    for column in columns:
        frame[column] = raw[column].astype("int64")
    return frame
