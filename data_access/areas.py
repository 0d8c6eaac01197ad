"""The overview's comparison through the unit tree: provinces, then the districts or communes of
one province, then the communes of one district (issue 14 §4).

A selection that spans several provinces is compared province by province; one province with
several districts (the 2023 units) district by district; anything narrower commune by commune.
A tap on a province's or district's row narrows the filters to it (``Filters.area``), which
every page then applies through ``units.resolve``.

The figures of a province or a district are sums of its communes' measures (numerators and
denominators counted in the database per commune, ``queries.measures``), so a province's row is
exactly the headline of the same selection narrowed to that province; a ratio is judged against
the area-wide target, as a commune's is; a count has no target above the commune (targets are
set for a district and its communes).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy.engine import Connection

from .filters import Filters, Period, Scope
from .indicators import BY_CODE, INDICATORS, commune_scorecard, targets
from .levels import COLUMNS, UNPLACED, comparison_level, selected_areas
from .queries import measures
from .units import commune_areas

ANY_PERIOD = Period.year(2000)  # for filters that only select units: resolve reads no period


def area_scorecard(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Each area's value of every indicator at ``comparison_level``, its target and whether it
    meets it: the columns of ``indicators.commune_scorecard`` and ``level``."""
    level = comparison_level(conn, filters, scope)
    if level == "commune":
        return commune_scorecard(conn, filters, scope).assign(level=level)
    code_column, name_column = COLUMNS[level]
    per_commune = measures(conn, filters, scope, sorted({i.group for i in INDICATORS}))
    tree = commune_areas(conn, filters.version)[["unit_id", code_column, name_column]]
    joined = per_commune.drop(columns=["code", "name"]).merge(tree, on="unit_id")
    counted = [c for c in joined.columns if c not in ("unit_id", code_column, name_column)]
    # Sums of the communes' numerators and denominators: a ratio of sums, never a mean of ratios.
    # Communes with no province or district above them (a gap in the unit list) share one row.
    grouped = (
        joined.fillna({code_column: "", name_column: UNPLACED})
        .groupby([code_column, name_column], sort=True)[counted]
        .sum()
        .reset_index()
    )
    goal = targets(conn, filters, scope, filters.period.end.year, district_only=True)
    area_goal = goal.set_index("code")["value"].to_dict() if len(goal) else {}
    columns: dict[str, list[Any]] = {
        name: []
        for name in (
            "unit_code",
            "unit_name",
            "code",
            "value",
            "numerator",
            "denominator",
            "target",
            "meets_target",
        )
    }
    codes, names = grouped[code_column].tolist(), grouped[name_column].tolist()
    for ind in INDICATORS:
        nums = [int(n) for n in grouped[ind.numerator].tolist()]
        dens = (
            [int(d) for d in grouped[ind.denominator].tolist()]
            if ind.denominator
            else [None] * len(nums)
        )
        target = area_goal.get(ind.code) if ind.unit == "percent" else None
        for code, name, num, den in zip(codes, names, nums, dens, strict=True):
            value = ind.value(num, den)
            columns["unit_code"].append(code)
            columns["unit_name"].append(name)
            columns["code"].append(ind.code)
            columns["value"].append(value)
            columns["numerator"].append(num)
            columns["denominator"].append(den)
            columns["target"].append(target)
            columns["meets_target"].append(_meets(ind.code, value, target))
    return pd.DataFrame(columns).assign(level=level)


def _meets(code: str, value: float | None, target: float | None) -> bool | None:
    ind = BY_CODE[code]
    if target is None or value is None or pd.isna(value) or ind.higher_is_better is None:
        return None
    return bool(value >= target) if ind.higher_is_better else bool(value <= target)


def area_names(conn: Connection, version: str, scope: Scope) -> dict[str, str]:
    """{code: name} of the provinces and districts of ``version`` whose every commune ``scope``
    may see (what ``?vung=`` may name): a commune head's district is not among them, so no
    label ever names the district for one commune's figures."""
    everything = commune_areas(conn, version)
    seen = set(selected_areas(conn, Filters(ANY_PERIOD, (), version), scope)["unit_id"])
    names: dict[str, str] = {}
    for level in ("province", "district"):
        code_column, name_column = COLUMNS[level]
        for (code, name), part in everything.groupby([code_column, name_column]):
            if set(part["unit_id"]) <= seen:
                names[str(code)] = str(name)
    return names


def area_path(conn: Connection, filters: Filters, scope: Scope) -> list[tuple[str, str]]:
    """(code, name) from the top of the tree down to ``filters.area`` (its province, then the
    area itself), for the way back up; [] without an area. Only areas ``scope`` may see."""
    if filters.area is None:
        return []
    tree = selected_areas(conn, filters, scope)
    path: list[tuple[str, str]] = []
    for level in ("province", "district"):
        code_column, name_column = COLUMNS[level]
        part = tree[[code_column, name_column]].dropna().drop_duplicates()
        if len(part) == 1:
            code, name = part.iloc[0]
            path.append((str(code), str(name)))
        if path and path[-1][0] == filters.area:
            break
    return path
