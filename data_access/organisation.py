"""Who issues a report, how the whole area is named, and the dashboard's title: all from data.

Nothing here knows a place. A report covers units of one unit version over a period:
- the unit it covers is the scope's one commune (a commune head's report), else the lowest unit
  that contains every commune the scope may see (the district in the 2023 units, the province
  in the 2025 units; None when they share no unit);
- its issuing body is the ``organisation`` row of that unit in force on the report's day: the
  period's end, not before the version's own date, moved into the unit's life (a 2023 district
  report is the district office's; a report of a merged commune for 2026 is that commune's);
- with no row, ``reports.letterhead`` builds a plain letterhead from the unit's name.

The whole area ("Toàn huyện") is the ``area_label`` of the body of the lowest unit that
contains every commune of the version, else a label from that unit's kind. The title comes from
``dataset_info`` (``app_title``, ``app_title_en``), else from the area's name.
All read-only queries with bound parameters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from i18n import Catalog, choose

from . import schema as s
from .filters import VERSION_2023, VERSION_DATES, Filters, Scope
from .units import scoped_catalogue, unit_catalogue

APP_TITLE_KEY, APP_TITLE_EN_KEY = "app_title", "app_title_en"  # dataset_info keys
MAX_LEVELS = 8  # province → district → commune is three; a loop in parent_id stops here

T = Catalog(
    "data_access.organisation",
    {
        "whole_district": ("Toàn huyện", "Whole district"),
        "whole_province": ("Toàn tỉnh", "Whole province"),
        "whole_unit": ("Toàn {name}", "Whole of {name}"),
        "whole_area": ("Toàn địa bàn", "Whole area"),
        "title": ("An sinh xã hội", "Social welfare"),
        "title_of": ("An sinh xã hội {name}", "{name} social welfare"),
    },
)
KIND_LABELS = {s.KIND_DISTRICT: "whole_district", s.KIND_PROVINCE: "whole_province"}


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


@dataclass(frozen=True)
class AreaUnit:
    """An administrative unit as a report names it (from ``admin_unit``)."""

    id: int
    code: str
    name: str  # "Xã Quảng Tân", "Huyện …"
    kind: str  # admin_unit.kind
    parent_id: int | None
    parent: str | None  # the name of the unit above it
    valid_from: date
    valid_to: date | None

    def clamp(self, on: date) -> date:
        """``on`` moved into the unit's life (its first or last day when outside it)."""
        if self.valid_to is not None and on > self.valid_to:
            on = self.valid_to
        return max(on, self.valid_from)


@dataclass(frozen=True)
class Body:
    """One ``organisation`` row: a body issuing reports, in both languages."""

    parent_name: str | None
    parent_name_en: str | None
    body_caps: str
    body_caps_en: str | None
    body_name: str
    body_name_en: str | None
    number_suffix: str
    place: str
    signer: str
    signer_en: str | None
    recipients: str | None
    recipients_en: str | None
    area_label: str | None
    area_label_en: str | None

    def text(self, column: str, lang: str) -> str | None:
        """A column in ``lang``: its ``_en`` column in English when set, else the Vietnamese."""
        vi = getattr(self, column)
        en = getattr(self, f"{column}_en", None)
        return choose(lang, vi, en or vi)

    def lines(self, column: str, lang: str) -> list[str]:
        """A column of several lines (signer, recipients), without empty lines."""
        text = self.text(column, lang) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


@dataclass(frozen=True)
class Issuer:
    """Who issues a report: the unit it covers, the body in force for it, and the one above."""

    unit: AreaUnit | None  # None: the communes covered share no unit
    body: Body | None  # None: no row in force (a letterhead from the unit's name)
    parent_body: Body | None  # the body of the unit above, on the same day (a recipient)
    on: date  # the day the bodies were chosen for


@dataclass(frozen=True)
class Area:
    """The whole area of a unit version, as pages and reports name it."""

    unit: AreaUnit | None
    caption_vi: str  # "Toàn huyện"
    caption_en: str  # "Whole district"
    custom: bool = False  # True: the label is an ``organisation`` row's, not from the kind

    def label(self, lang: str) -> str:
        """ "Toàn huyện" / "Whole district": a caption, a total row, a tile's comparison."""
        return choose(lang, self.caption_vi, self.caption_en)

    def subject(self, lang: str) -> str:
        """The same inside a sentence: "toàn huyện" / "the district" ("Whole of X": "the whole
        of X"; "Former … area": "the former … area")."""
        en = self.caption_en
        if en.startswith("Whole ") and not en.startswith("Whole of "):
            en = "the " + en.removeprefix("Whole ")
        else:
            en = "the " + _lower_first(en)
        return choose(lang, _lower_first(self.caption_vi), en)


_COLUMNS = [c for c in Body.__dataclass_fields__]


def units_by_id(conn: Connection, ids: Iterable[int]) -> dict[int, AreaUnit]:
    """The units ``ids`` with the names of the units above them."""
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return {}
    u, p = s.admin_unit.alias("u"), s.admin_unit.alias("p")
    stmt = (
        sa.select(
            u.c.id,
            u.c.code,
            u.c.name,
            u.c.kind,
            u.c.parent_id,
            p.c.name,
            u.c.valid_from,
            u.c.valid_to,
        )
        .join(p, p.c.id == u.c.parent_id, isouter=True)
        .where(u.c.id.in_(sa.bindparam("ids", expanding=True)))
    )
    rows = conn.execute(stmt, {"ids": wanted}).all()
    return {
        int(r[0]): AreaUnit(
            int(r[0]),
            str(r[1]),
            str(r[2]),
            str(r[3]),
            None if r[4] is None else int(r[4]),
            None if r[5] is None else str(r[5]),
            r[6],
            r[7],
        )
        for r in rows
    }


def covering_unit(conn: Connection, unit_ids: Iterable[int]) -> AreaUnit | None:
    """The lowest unit containing every unit of ``unit_ids`` (itself when there is one)."""
    ids = {int(i) for i in unit_ids}
    u = s.admin_unit
    for _ in range(MAX_LEVELS):
        if len(ids) == 1:
            return units_by_id(conn, ids).get(ids.pop())
        if not ids:
            return None
        stmt = sa.select(u.c.parent_id).where(u.c.id.in_(sa.bindparam("ids", expanding=True)))
        parents = {r[0] for r in conn.execute(stmt, {"ids": sorted(ids)}).all()}
        if None in parents:  # some unit has nothing above it: no one unit contains them all
            return None
        ids = {int(p) for p in parents}
    return None


def body_for(conn: Connection, unit_id: int, on: date) -> Body | None:
    """The ``organisation`` row of ``unit_id`` in force on ``on`` (the latest to start)."""
    o = s.organisation
    stmt = (
        sa.select(*(o.c[c] for c in _COLUMNS))
        .where(
            o.c.admin_unit_id == sa.bindparam("unit_id"),
            o.c.valid_from <= sa.bindparam("on"),
            sa.or_(o.c.valid_to.is_(None), o.c.valid_to >= sa.bindparam("on")),
        )
        .order_by(o.c.valid_from.desc(), o.c.id.desc())
        .limit(1)
    )
    row = conn.execute(stmt, {"unit_id": unit_id, "on": on}).first()
    return None if row is None else Body(*row)


def report_issuer(conn: Connection, filters: Filters, scope: Scope) -> Issuer:
    """Who issues the report of ``filters`` (a period and a unit version) for ``scope``.

    A commune head's scope: their commune, in the unit version of their account. Any other: the
    lowest unit containing every commune the scope may see (the district office's report, not
    the one commune a district leader picked: that commune is among its recipients).
    """
    if scope.communes is not None and len(scope.communes) == 1:
        # A commune head's report is their commune's, in the units their account names (the
        # head of the new Xã Quảng Tân reports on its four predecessors' 2023 as that commune).
        own = scoped_catalogue(conn, scope.version, scope)
        own = own[own["code"].isin(scope.communes)]
        ids = [int(i) for i in own["unit_id"]]
    else:
        ids = [int(i) for i in scoped_catalogue(conn, filters.version, scope)["unit_id"]]
    if scope.communes is not None and len(ids) == 1:
        unit = units_by_id(conn, ids).get(ids[0])
    else:
        unit = covering_unit(conn, ids)
    on = max(filters.period.end_date, VERSION_DATES[filters.version])
    if unit is None:
        return Issuer(None, None, None, on)
    on = unit.clamp(on)
    body = body_for(conn, unit.id, on)
    above = body_for(conn, unit.parent_id, on) if unit.parent_id is not None else None
    return Issuer(unit, body, above, on)


def whole_area(conn: Connection, filters: Filters, scope: Scope | None = None) -> Area:
    """The whole area of ``filters.version``: every commune of it, whatever ``scope`` sees
    (a commune head's page names the area its commune is compared with)."""
    catalogue = unit_catalogue(conn, filters.version)
    unit = covering_unit(conn, [int(i) for i in catalogue["unit_id"]])
    if unit is None:
        return Area(None, T("whole_area", "vi"), T("whole_area", "en"))
    body = body_for(conn, unit.id, unit.clamp(VERSION_DATES[filters.version]))
    if body is not None and body.area_label:
        return Area(unit, body.area_label, body.area_label_en or body.area_label, custom=True)
    key = KIND_LABELS.get(unit.kind)
    if key is not None:
        return Area(unit, T(key, "vi"), T(key, "en"))
    return Area(
        unit,
        T("whole_unit", "vi", name=_lower_first(unit.name)),
        T("whole_unit", "en", name=unit.name),
    )


def app_title(conn: Connection) -> tuple[str, str]:
    """The dashboard's title (Vietnamese, English): the deployment's setting in
    ``dataset_info``, else "An sinh xã hội" and the name of the area of the 2023 units."""
    i = s.dataset_info
    stmt = sa.select(i.c.key, i.c.value).where(i.c.key.in_(sa.bindparam("keys", expanding=True)))
    found = dict(conn.execute(stmt, {"keys": [APP_TITLE_KEY, APP_TITLE_EN_KEY]}).all())
    vi = found.get(APP_TITLE_KEY)
    if vi:
        return str(vi), str(found.get(APP_TITLE_EN_KEY) or vi)
    catalogue = unit_catalogue(conn, VERSION_2023)
    unit = covering_unit(conn, [int(i) for i in catalogue["unit_id"]])
    if unit is None:
        return T("title", "vi"), T("title", "en")
    return (
        T("title_of", "vi", name=_lower_first(unit.name)),
        T("title_of", "en", name=unit.name),
    )
