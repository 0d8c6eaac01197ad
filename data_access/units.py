"""Administrative units: the catalogue per unit version, and resolving Filters ∩ Scope.

Records point at the unit in force when they were made (the nine 2023 units). A unit version is
a date: the 2023 version shows those units as they are; the 2025 version rolls each old unit up
into its successor through ``admin_unit_succession``. ``unit_map`` does that roll-up in SQL so
every query can ``GROUP BY`` the unit of the chosen version.

A scope names units by (version, code); ``scope_base_units`` turns it into the record-level
units it covers: the unit, the units under it (parent_id) and the units it succeeded, through
the whole tree and history. So the head of the new Xã Quảng Tân (06913 in "2025") counts the
records of its four predecessors made before 1/7/2025 and its own made since; the head of the
old Xã Quảng Tân (06913 in "2023") only the old commune's (and Xã Quảng Lợi's, merged into it in
2020); a province role every unit under the province in any version.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from i18n import Catalog

from . import schema as s
from .errors import OutOfScopeError, UnknownAreaError, UnknownCommuneError, WelfareDataError
from .filters import VERSION_2023, VERSION_DATES, Filters, Scope
from .kept import kept
from .txcache import per_read_only_transaction, per_transaction

# An account whose province the unit list does not know: no figures, and who can fix it.
T = Catalog(
    "data_access.units",
    {
        "unknown_province": (
            "Không có tỉnh, thành phố mã «{code}» trong danh mục đơn vị hành chính; tài khoản "
            "này chưa xem được số liệu. Hãy báo người quản trị hệ thống.",
            "No province with code '{code}' in the list of administrative units; this account "
            "cannot see any figures yet. Please tell the system administrator.",
        ),
    },
)


class UnknownProvinceError(WelfareDataError):
    """A province scope whose code names no province of the unit list."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(
            T("unknown_province", "vi", code=code), T("unknown_province", "en", code=code)
        )


def _valid_at(table: sa.FromClause, on: date) -> sa.ColumnElement[bool]:
    return sa.and_(
        table.c.valid_from <= on, sa.or_(table.c.valid_to.is_(None), table.c.valid_to >= on)
    )


def first_of_code(u: sa.FromClause, on: date) -> sa.ColumnElement[bool]:
    """``u`` (a commune in force on ``on``) is the one row its code stands for on that day.

    A code names one commune at a time; a second row with the same code in force the same day
    (check ``duplicate_unit_code`` lists it) must not replace the commune: the row in force
    first (then the lower id) is kept, deterministically, and the other is left out of the
    catalogue and the unit map.
    """
    other = s.admin_unit.alias("same_code")
    earlier = sa.or_(
        other.c.valid_from < u.c.valid_from,
        sa.and_(other.c.valid_from == u.c.valid_from, other.c.id < u.c.id),
    )
    return ~sa.exists().where(
        other.c.code == u.c.code,
        other.c.kind.in_(s.COMMUNE_KINDS),
        _valid_at(other, on),
        earlier,
    )


@functools.cache  # a statement, the same for every call: built once per version
def unit_map(version: str) -> sa.Subquery:
    """(base_id, unit_id): each record-level unit and the unit of ``version`` it counts under."""
    on = VERSION_DATES[version]
    u = s.admin_unit.alias("u")
    same = sa.select(u.c.id.label("base_id"), u.c.id.label("unit_id")).where(
        u.c.kind.in_(s.COMMUNE_KINDS), _valid_at(u, on), first_of_code(u, on)
    )
    succ = s.admin_unit_succession
    new = s.admin_unit.alias("n")
    # A successor counts only if the catalogue lists it (a commune in force, the first of its
    # code): every reader — per-unit figures, totals, trends, scope — then agrees.
    rolled = (
        sa.select(succ.c.old_unit_id.label("base_id"), succ.c.new_unit_id.label("unit_id"))
        .join(new, new.c.id == succ.c.new_unit_id)
        .where(
            succ.c.effective <= on,
            new.c.kind.in_(s.COMMUNE_KINDS),
            _valid_at(new, on),
            first_of_code(new, on),
        )
    )
    return sa.union_all(same, rolled).subquery("unit_map")


def _kept(
    conn: Connection, what: str, version: str, read: Callable[[Connection, str], pd.DataFrame]
) -> pd.DataFrame:
    """``read(conn, version)``, kept for the process while ``admin_unit`` is unchanged
    (``data_access.kept``: on the dashboard's connection a province's page named and placed
    its 6.300 communes from two reads per page)."""
    return kept(conn, s.admin_unit, (what, version), lambda: read(conn, version))


def unit_catalogue(conn: Connection, version: str = VERSION_2023) -> pd.DataFrame:
    """The communes of ``version`` (unit_id, code, name, kind, population, parent_name).

    Read once per transaction of ``conn`` (a page's query resolves the filters and then names
    the units: at national scale that is thousands of rows twice), and on the dashboard's
    connection kept while the unit tree is unchanged (``_kept``); each caller gets a copy.
    """
    frame = per_transaction(
        conn,
        f"welfare.unit_catalogue.{version}",
        lambda: _kept(conn, "catalogue", version, _read_catalogue),
    )
    return frame.copy()


def _read_catalogue(conn: Connection, version: str) -> pd.DataFrame:
    on = VERSION_DATES[version]
    u = s.admin_unit.alias("u")
    parent = s.admin_unit.alias("p")
    stmt = (
        sa.select(
            u.c.id.label("unit_id"),
            u.c.code,
            u.c.name,
            u.c.kind,
            u.c.population,
            parent.c.name.label("parent_name"),
        )
        .join(parent, parent.c.id == u.c.parent_id, isouter=True)
        .where(u.c.kind.in_(s.COMMUNE_KINDS), _valid_at(u, on), first_of_code(u, on))
        .order_by(u.c.code)
    )
    # Plain tuples: building the frame from mappings costs several times more at national
    # scale (6.300 communes).
    return pd.DataFrame(
        [tuple(r) for r in conn.execute(stmt).all()],
        columns=["unit_id", "code", "name", "kind", "population", "parent_name"],
    )


def commune_areas(conn: Connection, version: str) -> pd.DataFrame:
    """Where each commune of ``version`` sits in the tree: unit_id, code, district_code,
    district_name (None where no district is above it: the communes of 1/7/2025),
    province_code, province_name (None where no province is above it).

    Read once per transaction, and kept, like the catalogue.
    """
    frame = per_transaction(
        conn, f"welfare.commune_areas.{version}", lambda: _kept(conn, "areas", version, _read_areas)
    )
    return frame.copy()


def _read_areas(conn: Connection, version: str) -> pd.DataFrame:
    on = VERSION_DATES[version]
    u, up, top = (s.admin_unit.alias(n) for n in ("u", "up", "top"))
    stmt = (
        sa.select(
            u.c.id, u.c.code, up.c.code, up.c.name, up.c.kind, top.c.code, top.c.name, top.c.kind
        )
        .join(up, sa.and_(up.c.id == u.c.parent_id, _valid_at(up, on)), isouter=True)
        .join(top, sa.and_(top.c.id == up.c.parent_id, _valid_at(top, on)), isouter=True)
        .where(u.c.kind.in_(s.COMMUNE_KINDS), _valid_at(u, on), first_of_code(u, on))
        .order_by(u.c.code)
    )
    rows = []
    for unit_id, code, p_code, p_name, p_kind, g_code, g_name, g_kind in conn.execute(stmt):
        district = (p_code, p_name) if p_kind == s.KIND_DISTRICT else (None, None)
        province = (
            (p_code, p_name)
            if p_kind == s.KIND_PROVINCE
            else (g_code, g_name)
            if g_kind == s.KIND_PROVINCE
            else (None, None)
        )
        rows.append((unit_id, code, *district, *province))
    columns = ["unit_id", "code", "district_code", "district_name", "province_code"]
    return pd.DataFrame(rows, columns=[*columns, "province_name"])


def with_area_code(
    stmt: sa.Select, unit: sa.ColumnElement[int], version: str, level: str
) -> tuple[sa.Select, sa.ColumnElement[str]]:
    """Join ``stmt`` (whose ``unit`` is a commune of ``version``) to the tree and return the code
    of the province or district (``level``) above the commune, "" where none is: the same areas
    as ``commune_areas``, for a count that must be distinct per area (a person paid in two
    communes of one province counts once in it)."""
    on = VERSION_DATES[version]
    u, up, top = (s.admin_unit.alias(n) for n in ("area_u", "area_up", "area_top"))
    stmt = (
        stmt.join(u, u.c.id == unit)
        .join(up, sa.and_(up.c.id == u.c.parent_id, _valid_at(up, on)), isouter=True)
        .join(top, sa.and_(top.c.id == up.c.parent_id, _valid_at(top, on)), isouter=True)
    )
    if level == "province":
        code = sa.case(
            (up.c.kind == s.KIND_PROVINCE, up.c.code),
            (top.c.kind == s.KIND_PROVINCE, top.c.code),
            else_="",
        )
    else:
        code = sa.case((up.c.kind == s.KIND_DISTRICT, up.c.code), else_="")
    return stmt, code


def area_unit_ids(conn: Connection, version: str, area: str) -> tuple[int, ...]:
    """The communes of ``version`` under the province or district ``area`` (a GSO code).

    :raises UnknownAreaError: the code names no province or district above a commune of
        ``version``.
    """
    known: dict[tuple[str, str], tuple[int, ...]] = per_transaction(
        conn, "welfare.area_units", dict
    )  # one entry per connection, not one per area
    found = known.get((version, area))
    if found is None:
        found = known[(version, area)] = _area_units(conn, version, area)
    if not found:
        raise UnknownAreaError(area, version)
    return found


def _area_units(conn: Connection, version: str, area: str) -> tuple[int, ...]:
    tree = commune_areas(conn, version)
    under = tree[(tree["province_code"] == area) | (tree["district_code"] == area)]
    return tuple(sorted(int(u) for u in under["unit_id"].tolist()))


def base_units_for_codes(
    conn: Connection, codes: frozenset[str], version: str = VERSION_2023
) -> list[int]:
    """Unit ids of the communes ``codes`` of ``version`` (in "2023" the record-level units);
    unknown codes raise ``UnknownCommuneError``."""
    catalogue = unit_catalogue(conn, version)
    known = dict(zip(catalogue["code"], catalogue["unit_id"], strict=True))
    for code in sorted(codes):
        if code not in known:
            raise UnknownCommuneError(code, version)
    return sorted(int(known[c]) for c in codes)


@dataclass(frozen=True)
class Resolved:
    """Filters ∩ Scope as ids: which version units to show, and which record units to count."""

    version: str
    unit_ids: tuple[int, ...] | None  # units of the version asked for; None: all
    base_ids: tuple[int, ...] | None  # record-level units the scope allows; None: all


def resolve(conn: Connection, filters: Filters, scope: Scope) -> Resolved:
    """Check the communes asked for and intersect them with the scope.

    On the dashboard's read-only connection resolved once per transaction for the same filters
    and scope: a page's queries resolve them a dozen times, and at national scale each time
    named the version's 6.300 communes anew (a copy of the catalogue and a dict of its codes).

    :raises UnknownCommuneError: a code names no commune of the filter's unit version (or the
        scope's commune none of the scope's version).
    :raises UnknownProvinceError: the scope's province is not in the unit list.
    :raises OutOfScopeError: every commune asked for lies outside the user's scope.
    """
    found = _resolved(conn).get((filters, scope))
    if found is None:
        found = _resolve(conn, filters, scope)
        _resolved(conn)[(filters, scope)] = found  # the transaction the reads began
    return found


def _resolved(conn: Connection) -> dict[tuple[Filters, Scope], Resolved]:
    return per_read_only_transaction(conn, "welfare.resolved", dict)


def _resolve(conn: Connection, filters: Filters, scope: Scope) -> Resolved:
    catalogue = unit_catalogue(conn, filters.version)
    by_code = dict(zip(catalogue["code"].tolist(), catalogue["unit_id"].tolist(), strict=True))
    unit_ids: tuple[int, ...] | None = None
    asked = list(filters.communes)
    if filters.communes:
        for code in filters.communes:
            if code not in by_code:
                raise UnknownCommuneError(code, filters.version)
        unit_ids = tuple(sorted(int(by_code[c]) for c in filters.communes))
    if filters.area is not None:
        under = area_unit_ids(conn, filters.version, filters.area)  # checked either way
        if unit_ids is None:  # chosen communes are the selection; the area is where they were
            unit_ids, asked = under, [filters.area]  # tapped from (the way back up)
    base_ids = scope_base_units(conn, scope)
    if base_ids is not None:
        allowed = set(visible_units(conn, filters.version, base_ids))
        if unit_ids is not None:
            if not any(u in allowed for u in unit_ids):
                raise OutOfScopeError(asked)
            unit_ids = tuple(u for u in unit_ids if u in allowed)
        else:
            unit_ids = tuple(sorted(allowed))
    return Resolved(filters.version, unit_ids, base_ids)


def scope_base_units(conn: Connection, scope: Scope) -> tuple[int, ...] | None:
    """The record-level units ``scope`` covers, or None for an unlimited scope (also a province
    scope whose province holds every unit of the database).

    A commune scope starts from its units of ``scope.version``, a province scope from every
    province row with its code; both then take in, repeatedly, the units under them and the
    units they succeeded (one recursive query). Read once per transaction and scope.

    :raises UnknownCommuneError: a scope commune names no commune of ``scope.version``.
    :raises UnknownProvinceError: the scope's province code names no province.
    """
    if not scope.limited:
        return None
    key = f"welfare.scope_base.{scope.version}.{sorted(scope.communes or ())}.{scope.province}"
    return per_transaction(conn, key, lambda: _read_scope_base(conn, scope))


def _read_scope_base(conn: Connection, scope: Scope) -> tuple[int, ...] | None:
    start: list[int] = []
    if scope.communes is not None:
        start += base_units_for_codes(conn, scope.communes, scope.version)
    if scope.province is not None:
        p = s.admin_unit
        provinces = conn.execute(
            sa.select(p.c.id).where(p.c.code == scope.province, p.c.kind == s.KIND_PROVINCE)
        ).all()
        if not provinces:
            raise UnknownProvinceError(scope.province)
        start += [int(r[0]) for r in provinces]
    covered = tuple(sorted(set(start) | set(_history_and_descendants(conn, start))))
    if scope.communes is None and _covers_every_unit(conn, covered):
        # A province that holds every unit of the database limits nothing: its figures are the
        # whole area's, district targets included, exactly as the district role sees them.
        return None
    return covered


def _covers_every_unit(conn: Connection, ids: tuple[int, ...]) -> bool:
    u = s.admin_unit
    stmt = sa.select(sa.func.count()).where(u.c.id.not_in(sa.bindparam("ids", expanding=True)))
    return int(conn.execute(stmt, {"ids": list(ids)}).scalar_one()) == 0


def _history_and_descendants(conn: Connection, start: list[int]) -> list[int]:
    """Every unit reachable from ``start`` down the tree (parent → child) or back in time
    (successor → predecessor); UNION, not UNION ALL, so a cycle in bad data still ends."""
    if not start:
        return []
    u, succ = s.admin_unit, s.admin_unit_succession
    edges = sa.union_all(
        sa.select(u.c.parent_id.label("up"), u.c.id.label("down")).where(
            u.c.parent_id.is_not(None)
        ),
        sa.select(succ.c.new_unit_id.label("up"), succ.c.old_unit_id.label("down")),
    ).subquery("edge")
    reach = (
        sa.select(u.c.id.label("id"))
        .where(u.c.id.in_(sa.bindparam("start", expanding=True)))
        .cte("reach", recursive=True)
    )
    reach = reach.union(sa.select(edges.c.down).where(edges.c.up == reach.c.id))
    stmt = sa.select(reach.c.id)
    return [int(r[0]) for r in conn.execute(stmt, {"start": sorted(set(start))})]


def visible_units(conn: Connection, version: str, base_ids: tuple[int, ...]) -> list[int]:
    """Units of ``version`` that contain at least one of the record-level units ``base_ids``."""
    m = unit_map(version)
    stmt = (
        sa.select(m.c.unit_id)
        .where(m.c.base_id.in_(sa.bindparam("base_ids", expanding=True)))
        .distinct()
    )
    return [int(r[0]) for r in conn.execute(stmt, {"base_ids": list(base_ids)})]


def scoped(
    stmt: sa.Select, unit_column: sa.ColumnElement[int], resolved: Resolved
) -> tuple[sa.Select, sa.ColumnElement[int]]:
    """Join ``stmt`` to the unit map of ``resolved.version`` and keep only allowed units.

    ``unit_column`` is the record's ``admin_unit_id``. Returns the statement and the column of
    the version's unit id, to select and group by.
    """
    m = unit_map(resolved.version)
    stmt = stmt.join(m, m.c.base_id == unit_column)
    if resolved.unit_ids is not None:
        stmt = stmt.where(m.c.unit_id.in_(resolved.unit_ids))
    if resolved.base_ids is not None:
        stmt = stmt.where(unit_column.in_(resolved.base_ids))
    return stmt, m.c.unit_id


def without_splits(conn: Connection, version: str) -> bool:
    """True when every record-level unit counts under at most one unit of ``version``.

    An old unit split between two successors is joined to both: per-unit sums of distinct
    counts then count its people twice in a selection's total, where COUNT(DISTINCT) does not.
    """
    m = unit_map(version)
    split = sa.select(m.c.base_id).group_by(m.c.base_id).having(sa.func.count() > 1).limit(1)
    return per_transaction(
        conn, f"welfare.without_splits.{version}", lambda: conn.execute(split).first() is None
    )


def scoped_catalogue(conn: Connection, version: str, scope: Scope) -> pd.DataFrame:
    """The communes of ``version`` that ``scope`` may see (all of them for an unlimited scope)."""
    catalogue = unit_catalogue(conn, version)
    base_ids = scope_base_units(conn, scope)
    if base_ids is None:
        return catalogue
    allowed = visible_units(conn, version, base_ids)
    return catalogue[catalogue["unit_id"].isin(allowed)].reset_index(drop=True)


def partly_visible(conn: Connection, version: str, scope: Scope) -> list[str]:
    """Codes of the units of ``version`` that ``scope`` sees only part of.

    A unit is partly visible when it holds record-level units outside the scope: in the 2025
    units the head of the old Xã Quảng Tân (2023) sees only the old commune's part of the new Xã
    Quảng Tân, while the head of the new one sees all of it. The page says "một phần" only for
    these (not for every commune head in the 2025 units).
    """
    base = scope_base_units(conn, scope)
    if base is None:
        return []
    m = unit_map(version)
    u = s.admin_unit
    stmt = (
        sa.select(u.c.code)
        .join(m, m.c.unit_id == u.c.id)
        .where(
            m.c.unit_id.in_(sa.bindparam("visible", expanding=True)),
            m.c.base_id.not_in(sa.bindparam("base", expanding=True)),
        )
        .distinct()
        .order_by(u.c.code)
    )
    visible = visible_units(conn, version, base)
    return [str(r[0]) for r in conn.execute(stmt, {"visible": visible, "base": list(base)})]
