"""A commune's standing in the district: its share of each count, its rank among the communes,
and each count per 1.000 people beside the district's.

Raw counts of a small and a large commune do not compare (450 visits beside the district's
3.127 says nothing by itself), so the commune view sets each count beside its share of the
district and a rate per 1.000 people, with populations read from ``admin_unit.population``.

Like ``indicators.district_totals`` this is a deliberate, narrow exception to scope: a commune
head may see the district's totals and where their own commune ranks, never another commune's
figures — the rank is a position ("3 of 9"), computed here from the other communes' values,
which do not leave this module. The commune's own figures are computed with the asker's scope;
when that scope covers only part of the commune (a commune of the 2025 units that holds units
the asker may not see), the part's population is not recorded, so it gets a share but no rate
per 1.000 people and no rank.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .definitions import MAX_UNIT_POPULATION
from .filters import VERSION_2023, Filters, Scope
from .indicators import INDICATORS, Indicator, indicator_values
from .units import Resolved, resolve, unit_catalogue, unit_map

PER_PEOPLE = 1000  # rates are given per 1.000 people, as Vietnamese statistics give them

STANDING_COLUMNS = [
    "code",
    "value",  # the commune's value (its scope's)
    "district_value",  # the whole district's
    "share",  # the commune's share of the district's count or money; None for a rate
    "per_1000",  # the commune's count or money per 1.000 people; None for a rate
    "district_per_1000",
    "rank",  # 1 = the highest among the communes (per 1.000 people for counts and money)
    "ranked",  # how many communes have a value to rank
    "population",
    "district_population",
]


def _number(value: object) -> float | None:
    """A value as a float; missing (None, NaN) as None."""
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def _population(value: object) -> float | None:
    """A commune's recorded population; None when missing or one no commune can have (0 or
    less, or more than ``MAX_UNIT_POPULATION``): no rate per 1.000 people is then given."""
    number = _number(value)
    return number if number is not None and 0 < number <= MAX_UNIT_POPULATION else None


def per_people(amount: float | None, population: float | None) -> float | None:
    """``amount`` per ``PER_PEOPLE`` people; None when either is unknown or nobody lives there."""
    if amount is None or not population:
        return None
    return amount / population * PER_PEOPLE


def rank_of(own: float | None, others: Iterable[float | None]) -> tuple[int | None, int]:
    """(rank of ``own`` among ``own`` and ``others``, 1 = highest; how many are ranked).

    Communes without a value are not ranked; equal values share a rank (1, 1, 3).
    """
    known = [o for o in others if o is not None]
    if own is None:
        return None, len(known)
    return 1 + sum(o > own for o in known), len(known) + 1


def _rank_key(ind: Indicator, value: float | None, population: float | None) -> float | None:
    """What communes are ranked by: a rate as it is, a count or money per 1.000 people."""
    return value if ind.unit == "percent" else per_people(value, population)


def commune_standing(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """The one commune of ``filters`` beside the district, for every indicator.

    Columns: ``STANDING_COLUMNS``. A rate (percent) gets no share and no rate per 1.000 people;
    it is ranked as it is. Counts and money are ranked per 1.000 people, so a large commune does
    not rank first for being large.

    :raises ValueError: ``filters`` names no commune, or more than one.
    :raises OutOfScopeError: the commune lies outside ``scope``.
    """
    if len(filters.communes) != 1:
        raise ValueError("commune_standing needs exactly one commune")
    code = filters.communes[0]
    resolved = resolve(conn, filters, scope)  # refuses a commune outside the scope
    own, _ = indicator_values(conn, filters, scope, with_units=False)
    whole = Filters(filters.period, (), filters.version)
    district, by_unit = indicator_values(conn, whole, Scope.everything(persons=False))
    catalogue = unit_catalogue(conn, filters.version)
    people: dict[str, float | None] = {
        str(c): _population(p)
        for c, p in zip(catalogue["code"].tolist(), catalogue["population"].tolist(), strict=True)
    }
    known = [p for p in people.values() if p is not None]
    district_people = sum(known) if known and len(known) == len(people) else None
    mine = people.get(code) if _whole_commune(conn, resolved) else None
    rows = []
    for ind in INDICATORS:
        rows.append(
            _row(
                ind,
                own.set_index("code").loc[ind.code],
                district.set_index("code").loc[ind.code],
                by_unit[(by_unit["code"] == ind.code) & (by_unit["unit_code"] != code)],
                people,
                (mine, district_people),
            )
        )
    return pd.DataFrame(rows, columns=STANDING_COLUMNS)


def _whole_commune(conn: Connection, resolved: Resolved) -> bool:
    """True when the scope sees every 2023 commune the chosen commune holds (scopes are given in
    2023 communes; a unit dissolved before 2023 is no one's scope)."""
    if resolved.base_ids is None:
        return True
    m = unit_map(resolved.version)
    communes_2023 = [int(u) for u in unit_catalogue(conn, VERSION_2023)["unit_id"].tolist()]
    stmt = sa.select(sa.func.count()).where(
        m.c.unit_id.in_(resolved.unit_ids or ()),
        m.c.base_id.in_(communes_2023),
        m.c.base_id.not_in(resolved.base_ids),
    )
    return int(conn.execute(stmt).scalar_one()) == 0


def _row(
    ind: Indicator,
    own: pd.Series,
    district: pd.Series,
    others: pd.DataFrame,
    people: Mapping[str, float | None],
    populations: tuple[float | None, float | None],
) -> dict[str, object]:
    """One indicator's standing: the commune's value, share, rate per 1.000 people and rank."""
    mine, district_people = populations
    value, whole = _number(own["value"]), _number(district["value"])
    counted = ind.unit != "percent"
    numerator, district_numerator = _number(own["numerator"]), _number(district["numerator"])
    share = (
        numerator / district_numerator
        if counted and numerator is not None and district_numerator
        else None
    )
    keys = [
        _rank_key(ind, _number(v), people.get(str(c)))
        for c, v in zip(others["unit_code"].tolist(), others["value"].tolist(), strict=True)
    ]
    rank, ranked = rank_of(_rank_key(ind, value, mine), keys)
    return {
        "code": ind.code,
        "value": value,
        "district_value": whole,
        "share": share,
        "per_1000": per_people(value, mine) if counted else None,
        "district_per_1000": per_people(whole, district_people) if counted else None,
        "rank": rank,
        "ranked": ranked,
        "population": mine,
        "district_population": district_people,
    }
