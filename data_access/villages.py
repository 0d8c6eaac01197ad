"""A commune's villages (thôn, bản, khu phố): the commune's figures split by village.

Units form a tree, province → district → commune → village; a village points at its 2023
commune (``village.admin_unit_id``), and in the 2025 unit version it belongs to that unit's
successor (``units.unit_map``). Records reach a village through a person or a household:
allowance beneficiaries and their payments, the elderly and their BHYT cards, health visits and
child cases through ``person.village_id``; housing grants through ``household.village_id``.
Vocational classes and job events are held for a commune, not a village: they have no village
and are not split here.

Each figure is the commune's measure group of ``queries.AGGREGATES`` (the same rows, the same
definitions: ``payment_counted``, ``grant_counted``, ``elderly_on``, ``state_supported_on``...)
grouped by the village of each record instead of by its commune, in one ``GROUP BY`` per group.
A record whose person or household has no village, or a village of another commune (a data
error), is counted in one row with ``village_id`` ``NO_VILLAGE``, so the villages always sum
exactly to the commune's figures.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from i18n import Catalog

from . import schema as s
from .definitions import data_as_of, reference_date
from .errors import WelfareDataError
from .filters import Filters, Scope
from .queries import AGGREGATES
from .sql import read_frame
from .units import Resolved, resolve, unit_map

T = Catalog(
    "data_access.villages",
    {
        "one_commune": (
            "Số liệu theo thôn chỉ xem được cho từng xã: hãy chọn đúng một xã, thị trấn.",
            "Figures by village are shown for one commune at a time: choose exactly one.",
        ),
        "not_in_commune": (
            "Không có thôn, khu phố mã «{village}» trong {commune} (hoặc tài khoản của bạn "
            "không được xem thôn này).",
            "No village with id '{village}' in {commune} (or your account may not see it).",
        ),
    },
)

NO_VILLAGE = 0  # village_id of the row for records with no village of the commune

# The measure groups split by village, and how a group's record reaches its village.
GROUPS = ("allowance_active", "payouts", "elderly_bhyt", "health_visits", "housing", "children")
# Each group's columns, in order (as ``queries.AGGREGATES`` names them).
FIGURES: dict[str, tuple[str, ...]] = {
    "allowance_active": ("beneficiaries", "beneficiaries_bank"),
    "payouts": ("paid_amount", "payments"),
    "elderly_bhyt": ("elderly", "elderly_covered"),
    "health_visits": ("health_visits", "visits_with_medicine"),
    "housing": ("new_builds", "repairs", "grant_amount", "socialised_amount", "grants_completed"),
    "children": ("special_cases", "special_supported", "at_risk_cases", "at_risk_supported"),
}
FIGURE_COLUMNS = [c for group in GROUPS for c in FIGURES[group]]
VILLAGE_COLUMNS = ["village_id", "village_name", "village_kind", "old_commune"]


class OneCommuneRequiredError(WelfareDataError):
    """Figures by village asked for no commune or for several."""

    def __init__(self) -> None:
        super().__init__(T("one_commune", "vi"), T("one_commune", "en"))


class VillageNotInCommuneError(WelfareDataError):
    """A village id that names no village of the commune asked for (or of the asker's scope)."""

    def __init__(self, village: object, commune: str) -> None:
        shown = str(village)[:20]
        super().__init__(
            T("not_in_commune", "vi", village=shown, commune=commune),
            T("not_in_commune", "en", village=shown, commune=commune),
        )


def _one_commune(conn: Connection, filters: Filters, scope: Scope) -> tuple[Resolved, int]:
    """Filters ∩ Scope for exactly one commune: the resolution and the commune's unit id."""
    if len(filters.communes) != 1:
        raise OneCommuneRequiredError()
    resolved = resolve(conn, filters, scope)  # unknown or out-of-scope communes raise here
    assert resolved.unit_ids is not None and len(resolved.unit_ids) == 1
    return resolved, resolved.unit_ids[0]


def _commune_village_ids(resolved: Resolved, unit_id: int) -> sa.Subquery:
    """The villages of the commune ``unit_id`` of the resolved version, once each: a village of
    its 2023 unit or of a predecessor rolled into it, and, for a limited scope, only villages
    of the record-level units the scope allows."""
    v, m = s.village, unit_map(resolved.version)
    stmt = (
        sa.select(v.c.id)
        .join(m, m.c.base_id == v.c.admin_unit_id)
        .where(m.c.unit_id == unit_id)
        .distinct()
    )
    if resolved.base_ids is not None:
        stmt = stmt.where(v.c.admin_unit_id.in_(resolved.base_ids))
    return stmt.subquery("commune_village")


def commune_villages(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """The villages of the filters' one commune that the scope may see, in their order.

    Columns: village_id, village_name, village_kind (thon / ban / khu_pho), old_commune (the
    name of the village's 2023 commune when that is not the commune itself — a predecessor
    of a 2025 commune —, else None: "Thôn 1" exists in several of them).

    :raises OneCommuneRequiredError: the filters hold no commune or several.
    """
    resolved, unit_id = _one_commune(conn, filters, scope)
    return _villages(conn, resolved, unit_id)


def _villages(conn: Connection, resolved: Resolved, unit_id: int) -> pd.DataFrame:
    v, u = s.village, s.admin_unit
    ids = _commune_village_ids(resolved, unit_id)
    old = sa.case((v.c.admin_unit_id != unit_id, u.c.name), else_=sa.null())
    stmt = (
        sa.select(v.c.id, v.c.name, v.c.kind, old)
        .join(ids, ids.c.id == v.c.id)
        .join(u, u.c.id == v.c.admin_unit_id)
        .order_by(u.c.code, v.c.admin_unit_id, v.c.id)
    )
    frame = read_frame(conn, stmt, VILLAGE_COLUMNS)
    frame["village_id"] = frame["village_id"].astype("int64")
    return frame


def _village_of(group: str, stmt: sa.Select) -> tuple[sa.Select, sa.ColumnElement[int]]:
    """``stmt`` (a measure group's rows) joined to the person or household that carries the
    village; returns the statement and the record's village id column. Every join is on a
    primary key, so no record is counted twice."""
    p, b, hh = s.person, s.allowance_beneficiary, s.household
    if group == "elderly_bhyt":  # the rows are persons already
        return stmt, p.c.village_id
    if group == "allowance_active":
        return stmt.join(p, p.c.id == b.c.person_id, isouter=True), p.c.village_id
    if group == "payouts":
        pay = s.allowance_payment
        ben = b.alias("payment_beneficiary")
        joined = stmt.join(ben, ben.c.id == pay.c.beneficiary_id, isouter=True).join(
            p, p.c.id == ben.c.person_id, isouter=True
        )
        return joined, p.c.village_id
    if group == "health_visits":
        h = s.health_check
        return stmt.join(p, p.c.id == h.c.person_id, isouter=True), p.c.village_id
    if group == "children":
        k = s.child_case
        return stmt.join(p, p.c.id == k.c.person_id, isouter=True), p.c.village_id
    if group == "housing":
        g = s.housing_grant
        return stmt.join(hh, hh.c.id == g.c.household_id, isouter=True), hh.c.village_id
    raise KeyError(group)


def village_figures(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """The filters' one commune split by village: a row per village of the commune (zeros where
    nothing was recorded), then, if any record has no village of the commune, one row with
    ``village_id`` ``NO_VILLAGE`` (name None). The rows sum exactly to the commune's figures of
    ``queries.measures`` (same scope, same period, same reference date).

    Columns: ``VILLAGE_COLUMNS`` then ``FIGURE_COLUMNS``: beneficiaries on the list in the
    reference month (and paid by bank), allowance paid in the period (đồng, and payments),
    the elderly on the reference date and those with a state-supported BHYT card valid then
    (F1), health visits (and with free medicine), housing grants approved in the period (new,
    repairs, đồng, socialised đồng, completed), children in special circumstances and at risk
    (and supported).

    :raises OneCommuneRequiredError: the filters hold no commune or several.
    :raises OutOfScopeError: the commune lies outside the scope.
    """
    resolved, unit_id = _one_commune(conn, filters, scope)
    ref = reference_date(filters.period, data_as_of(conn))
    villages = _villages(conn, resolved, unit_id)
    ids = _commune_village_ids(resolved, unit_id)
    parts = []
    for group in GROUPS:
        aggregate = AGGREGATES[group](resolved, filters.period, ref)
        stmt, village_id = _village_of(group, aggregate.stmt)
        stmt = stmt.join(ids, ids.c.id == village_id, isouter=True)
        key = sa.func.coalesce(ids.c.id, NO_VILLAGE)
        stmt = stmt.with_only_columns(key, *aggregate.columns).group_by(key)
        part = read_frame(conn, stmt, ["village_id", *aggregate.names])
        parts.append(part.astype("int64").set_index("village_id"))
    values = pd.concat(parts, axis=1).fillna(0).astype("int64")
    frame = villages.set_index("village_id")
    if NO_VILLAGE in values.index and values.loc[NO_VILLAGE].any():
        none = pd.DataFrame(
            {"village_name": [None], "village_kind": [None], "old_commune": [None]},
            index=pd.Index([NO_VILLAGE], name="village_id"),
        )
        frame = pd.concat([frame, none])
    values = values.reindex(frame.index).fillna(0).astype("int64")
    result = pd.concat([frame, values[FIGURE_COLUMNS]], axis=1).reset_index()
    result["village_id"] = result["village_id"].astype("int64")
    return result


def village_row(frame: pd.DataFrame, village_id: int, commune: str) -> pd.Series:
    """The row of ``village_id`` in a ``village_figures`` frame (the commune's one village).

    :raises VillageNotInCommuneError: no such village in the commune (``commune`` names it in
        the message).
    """
    found = frame[(frame["village_id"] == village_id) & (frame["village_id"] != NO_VILLAGE)]
    if found.empty:
        raise VillageNotInCommuneError(village_id, commune)
    return found.iloc[0]
