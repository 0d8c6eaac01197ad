"""The level a page compares at, and a per-commune frame rolled up to it (issue 14 §2, §4).

A selection that spans several provinces is compared province by province; one province with
several districts (the 2023 units) district by district; anything narrower, or chosen communes,
commune by commune. The overview's table (``areas.area_scorecard``) and the topic pages' charts
by commune (``at_level``) follow the same rule, so that a leader looking at the country sees a
bar per province on every page, and a tap on one narrows every page to it (``Filters.area``).

A rolled-up row is computed from its communes' rows, which the database counted: counts and
amounts are summed, a mean is weighted by what it averages over, a first date is the earliest
and a last date the latest; a share is recomputed from the summed parts by the query that owns
it, never averaged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from .filters import Filters, Scope
from .units import commune_areas, resolve

Level = Literal["province", "district", "commune"]
COLUMNS = {
    "province": ("province_code", "province_name"),
    "district": ("district_code", "district_name"),
}
UNPLACED = "—"  # the row of communes that no province or district holds (a gap in the data)


def selected_areas(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """``units.commune_areas`` of the communes the filters and scope select."""
    resolved = resolve(conn, filters, scope)
    tree = commune_areas(conn, filters.version)
    if resolved.unit_ids is not None:
        tree = tree[tree["unit_id"].isin(resolved.unit_ids)]
    return tree


def comparison_level(conn: Connection, filters: Filters, scope: Scope) -> Level:
    """The level a page compares at: provinces when the selection spans several, else
    districts when it spans several (2023 units), else communes. Chosen communes are always
    compared as communes."""
    if filters.communes:
        return "commune"
    tree = selected_areas(conn, filters, scope)
    for level in ("province", "district"):
        code_column = COLUMNS[level][0]
        if tree[code_column].nunique() > 1:  # units with nothing above them do not count
            return level  # type: ignore[return-value]
    return "commune"


@dataclass(frozen=True)
class RollUp:
    """How a per-commune frame's columns combine into an area's row.

    Numeric columns not named here are summed; ``keys`` are grouped by with the area (a class's
    field, a month); ``earliest``/``latest`` take the first/last date; ``weighted`` maps a mean
    to the column it was averaged over (the mean of the area is Σ mean × weight / Σ weight);
    ``derived`` columns are left out of the sums and ``then`` recomputes them from the summed
    parts (a share).
    """

    keys: tuple[str, ...] = ()
    derived: tuple[str, ...] = ()
    earliest: tuple[str, ...] = ()
    latest: tuple[str, ...] = ()
    weighted: Mapping[str, str] = field(default_factory=dict)
    then: Callable[[pd.DataFrame], pd.DataFrame] | None = None


def at_level(
    conn: Connection, filters: Filters, scope: Scope, frame: pd.DataFrame, rule: RollUp
) -> pd.DataFrame:
    """``frame`` (a row per commune: unit_code, unit_name, …) at ``comparison_level``, with a
    ``level`` column: as it is for communes; else a row per province or district (its code
    and name in unit_code and unit_name), in code order, communes outside any area in one
    row named ``UNPLACED``. Columns keep their names and order; unit_id is dropped."""
    level = comparison_level(conn, filters, scope)
    if level == "commune":
        return frame.assign(level=level)
    code_column, name_column = COLUMNS[level]
    area_of, name_of = _areas(conn, filters.version, level)
    # Each commune's area by a dict lookup, neither a merge on the code (at national scale a
    # year by commune and month is some 75.000 rows) nor ``isin`` (on a str column it makes an
    # Arrow scalar of each of the 6.300 keys: ~15 ms; the lookups over the rows take a few).
    codes = frame["unit_code"].tolist()
    known = np.fromiter((c in area_of for c in codes), dtype=bool, count=len(codes))
    placed = frame[known]
    areas = [area_of[c] for c, k in zip(codes, known, strict=True) if k]
    joined = placed.drop(columns=["unit_id", "unit_name"], errors="ignore").assign(
        **{code_column: pd.Series(areas, index=placed.index, dtype="str")}  # str when empty too
    )
    keys = [code_column, *rule.keys]
    dated = {*rule.earliest, *rule.latest}
    values = [
        c
        for c in frame.columns
        if c not in ("unit_id", "unit_code", "unit_name", *keys, *rule.derived)
    ]
    summed = [c for c in values if c not in dated and c not in rule.weighted]
    for mean, weight in rule.weighted.items():  # Σ mean × weight, divided after the sum
        joined[mean] = joined[mean].astype("float64").fillna(0.0) * joined[weight]
    aggregations: dict[str, str | Callable[[pd.Series], object]] = {
        c: "sum" for c in [*summed, *rule.weighted]
    }
    aggregations |= {c: _earliest for c in rule.earliest}
    aggregations |= {c: _latest for c in rule.latest}
    grouped = joined.groupby(keys, sort=True).agg(aggregations).reset_index()
    for mean, weight in rule.weighted.items():
        grouped[mean] = [
            m / w if w else None for m, w in zip(grouped[mean], grouped[weight], strict=True)
        ]
        grouped[mean] = grouped[mean].astype("float64")
    names = [name_of[c] for c in grouped[code_column].tolist()]
    grouped[name_column] = pd.Series(names, index=grouped.index, dtype="str")
    out = grouped.rename(columns={code_column: "unit_code", name_column: "unit_name"})
    if rule.then is not None:
        out = rule.then(out)
    out = out[[c for c in frame.columns if c != "unit_id"]]
    return out.assign(level=level).reset_index(drop=True)


def _areas(conn: Connection, version: str, level: Level) -> tuple[dict[str, str], dict[str, str]]:
    """Each commune's area code at ``level`` ("" for a commune no such area holds), and each
    area's name (``UNPLACED`` for "")."""
    code_column, name_column = COLUMNS[level]
    tree = commune_areas(conn, version)
    codes = [c if isinstance(c, str) else "" for c in tree[code_column].tolist()]  # None, NaN
    area_of = dict(zip(tree["code"].tolist(), codes, strict=True))
    name_of = {"": UNPLACED}
    for code, name in zip(codes, tree[name_column].tolist(), strict=True):
        if code:
            name_of.setdefault(code, name)
    return area_of, name_of


def _earliest(dates: pd.Series) -> object:
    present = [d for d in dates if d is not None and not pd.isna(d)]
    return min(present) if present else None


def _latest(dates: pd.Series) -> object:
    present = [d for d in dates if d is not None and not pd.isna(d)]
    return max(present) if present else None
