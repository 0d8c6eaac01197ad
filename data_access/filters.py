"""What a query is asked for (``Filters``) and what the asker may see (``Scope``).

Both are frozen and hashable so the UI can cache query results per (Filters, Scope).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field, replace
from datetime import date

from i18n import Catalog

from .errors import InvalidPeriodError, UnknownVersionError, WelfareDataError

# What is wrong with a period, filled in per language (a month is 3/2023 in Vietnamese, 2023-03
# in English).
T = Catalog(
    "data_access.filters",
    {
        "end_before_start": (
            "tháng kết thúc {end} trước tháng bắt đầu {start}",
            "end month {end} is before start month {start}",
        ),
        "no_quarter": ("quý {quarter} không tồn tại", "no quarter {quarter}"),
        "no_month": ("tháng {month} không tồn tại", "no month {month}"),
        "no_district_totals": (
            "Tài khoản của bạn không được xem số liệu tổng hợp toàn huyện.",
            "Your account may not see the district's totals.",
        ),
    },
)

# The unit versions the dashboard offers: the nine units of 2023, and the two communes in force
# since 1/7/2025 (Resolution 1679/NQ-UBTVQH15), which aggregate the old units into successors.
VERSION_2023 = "2023"
VERSION_2025 = "2025"
VERSION_DATES = {VERSION_2023: date(2023, 12, 31), VERSION_2025: date(2025, 7, 1)}
# The last day each version's units held records: from 1/7/2025 records are made under the new
# communes, which cannot be split back into the nine old units. None: still in force.
VERSION_ENDS: dict[str, date | None] = {VERSION_2023: date(2025, 6, 30), VERSION_2025: None}


def version_in_force(day: date) -> str:
    """The unit version whose units records were made under on ``day``."""
    for version, end in VERSION_ENDS.items():
        if end is None or day <= end:
            return version
    return VERSION_2025


def month_start(d: date) -> date:
    """The first day of the month of ``d``."""
    return d.replace(day=1)


def month_end(d: date) -> date:
    """The last day of the month of ``d``."""
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def add_months(d: date, months: int) -> date:
    """The first day of the month ``months`` after the month of ``d`` (negative: before)."""
    index = d.year * 12 + (d.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """An inclusive range of whole months: ``start`` and ``end`` are first days of months."""

    start: date
    end: date

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", month_start(self.start))
        object.__setattr__(self, "end", month_start(self.end))
        if self.end < self.start:
            raise InvalidPeriodError(
                T(
                    "end_before_start",
                    "vi",
                    end=f"{self.end.month}/{self.end.year}",
                    start=f"{self.start.month}/{self.start.year}",
                ),
                T("end_before_start", "en", end=f"{self.end:%Y-%m}", start=f"{self.start:%Y-%m}"),
            )

    @classmethod
    def year(cls, year: int) -> Period:
        """January to December of ``year``."""
        return cls(date(year, 1, 1), date(year, 12, 1))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        """Quarter ``quarter`` (1–4) of ``year``."""
        if quarter not in (1, 2, 3, 4):
            raise InvalidPeriodError(
                T("no_quarter", "vi", quarter=quarter), T("no_quarter", "en", quarter=quarter)
            )
        first = date(year, 3 * quarter - 2, 1)
        return cls(first, add_months(first, 2))

    @classmethod
    def months(cls, start_year: int, start_month: int, end_year: int, end_month: int) -> Period:
        """A month range given as numbers; an impossible month raises ``InvalidPeriodError``."""
        for y, m in ((start_year, start_month), (end_year, end_month)):
            if not 1 <= m <= 12 or not 1900 <= y <= 2100:
                raise InvalidPeriodError(
                    T("no_month", "vi", month=f"{m}/{y}"), T("no_month", "en", month=f"{y}-{m:02}")
                )
        return cls(date(start_year, start_month, 1), date(end_year, end_month, 1))

    @property
    def end_date(self) -> date:
        """The last day of the period."""
        return month_end(self.end)

    @property
    def month_count(self) -> int:
        """How many months the period spans."""
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def same_period_last_year(self) -> Period:
        """The same months one year earlier ("cùng kỳ")."""
        return Period(add_months(self.start, -12), add_months(self.end, -12))

    def previous(self) -> Period:
        """The period of the same length just before this one (e.g. the previous quarter)."""
        n = self.month_count
        return Period(add_months(self.start, -n), add_months(self.end, -n))

    def last_months(self, n: int) -> Period:
        """The last ``n`` months ending with this period's end."""
        return Period(add_months(self.end, 1 - n), self.end)

    def is_quarter(self) -> bool:
        """True when the period is exactly one calendar quarter."""
        return self.month_count == 3 and self.start.month in (1, 4, 7, 10)


def within_version(period: Period, version: str) -> Period | None:
    """The months of ``period`` that ``version``'s units can show, or None when there are none.

    A version's units end when the next version starts (the 2023 units on 30/6/2025): months
    after that were recorded under other units and cannot be split into the old ones.
    """
    end = VERSION_ENDS[version]
    if end is None or period.end <= month_start(end):
        return period
    if period.start > month_start(end):
        return None
    return Period(period.start, month_start(end))


def data_months(period: Period, as_of: date | None) -> Period:
    """The months of ``period`` that have data: its end cut at the data's as-of month.

    A comparison with last year uses the same months: "Năm 2023" with data to 30/11/2023 is
    compared with January to November 2022, not with the whole of 2022.
    """
    if as_of is None or period.end <= as_of.replace(day=1):
        return period
    return Period(period.start, max(period.start, as_of.replace(day=1)))


@dataclass(frozen=True)
class Filters:
    """The communes and period asked for.

    ``communes`` holds GSO codes of the chosen unit ``version``; empty means every commune the
    scope allows (the whole district). ``area`` narrows the selection to the communes under one
    province or district of that version (its GSO code; ``data_access.areas``): what a tap on a
    province's or district's row of the overview asks for. Chosen communes are the selection
    even with an area (a commune tapped under it keeps the area, for the way back up).
    """

    period: Period
    communes: tuple[str, ...] = ()
    version: str = VERSION_2023
    area: str | None = None

    def __post_init__(self) -> None:
        if self.version not in VERSION_DATES:
            raise UnknownVersionError(self.version)
        object.__setattr__(self, "communes", tuple(sorted(set(self.communes))))

    def with_period(self, period: Period) -> Filters:
        """The same filters over another period."""
        return replace(self, period=period)

    def with_communes(self, communes: tuple[str, ...]) -> Filters:
        """The same filters for other communes."""
        return replace(self, communes=communes)

    def with_area(self, area: str | None) -> Filters:
        """The same filters under another province or district (None: the whole scope)."""
        return replace(self, area=area)


@dataclass(frozen=True)
class Scope:
    """What the signed-in user may see.

    ``communes`` holds GSO codes of the units of ``version`` the user may see, or None when no
    commune limits the user. A code alone does not name a unit (codes are reused after the
    1/7/2025 merger: 06913 is the old Xã Quảng Tân in "2023" and the new one in "2025"), so a
    commune scope carries the version its codes belong to. A unit's scope covers its history:
    the units it succeeded (``admin_unit_succession``) and the units under it
    (``data_access.units.scope_base_units``), so the head of the new Xã Quảng Tân sees its four
    predecessors' records made before 1/7/2025.

    ``province`` holds the GSO code of a province (the province role): every unit under it
    through the tree, in every version. ``communes`` is then None.

    ``persons`` says whether the user may see person-level records (names, ids, accounts).
    ``district_totals`` says whether a user limited to some communes may see the whole
    district's aggregate figures beside their own (``district_scope``).
    """

    communes: frozenset[str] | None = None
    persons: bool = False
    label: str = field(default="", compare=False)
    # A commune head may see the district's totals: the commune view promises "one commune
    # beside the district" (README), and the district's figures are the ones the district
    # publishes anyway. Totals only: never the district's persons, never another commune's own
    # figures. A deployment that must not show them builds its scopes with False.
    district_totals: bool = True
    version: str = VERSION_2023
    province: str | None = None

    def __post_init__(self) -> None:
        if self.version not in VERSION_DATES:
            raise UnknownVersionError(self.version)

    @property
    def limited(self) -> bool:
        """True when the user may see only part of the units (some communes, or a province)."""
        return self.communes is not None or self.province is not None

    @classmethod
    def everything(cls, persons: bool = False) -> Scope:
        """All communes (district leadership, or the demo without sign-in)."""
        return cls(None, persons)

    @classmethod
    def commune(
        cls,
        code: str,
        persons: bool = True,
        district_totals: bool = True,
        version: str = VERSION_2023,
    ) -> Scope:
        """One commune of unit ``version`` with its history (a commune head)."""
        return cls(frozenset({code}), persons, district_totals=district_totals, version=version)

    @classmethod
    def whole_province(cls, code: str, persons: bool = True) -> Scope:
        """Every unit under the province ``code`` (the province's leadership)."""
        return cls(None, persons, province=code)


class DistrictTotalsNotAllowedError(WelfareDataError):
    """A request for the district's totals from a scope that may not see them."""

    def __init__(self) -> None:
        super().__init__(T("no_district_totals", "vi"), T("no_district_totals", "en"))


def district_scope(scope: Scope) -> Scope:
    """The scope to compute the whole district's aggregate figures with, for ``scope``'s user.

    The one way the data layer widens a scope, and only for aggregates: the result sees every
    commune (a province role's: every unit of its province) but never persons. Callers use it
    for totals shown beside the user's own figures, never for per-commune rows.

    :raises DistrictTotalsNotAllowedError: ``scope`` is limited to some communes and may not
        see the district's totals.
    """
    if scope.communes is not None and not scope.district_totals:
        raise DistrictTotalsNotAllowedError()
    if scope.province is not None:
        # A province's leadership sees its province: its totals are the province's, never more.
        return Scope(None, persons=False, province=scope.province)
    return Scope.everything(persons=False)
