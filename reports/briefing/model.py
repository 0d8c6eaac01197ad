"""What a briefing is made of: cells, figures and tables as published, and the written briefing.

``Cell``, ``Figure``, ``Row`` and ``Grid`` carry numbers only (language-free, with the public
version's markers); ``Table``, ``Lag``, ``Section`` and ``Briefing`` are the written briefing in
one language, which the page, the Word report and the Excel annex all render.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from data_access.errors import WelfareDataError
from data_access.indicators import BY_CODE
from data_access.organisation import Area, Issuer

from .domains import Spec
from .periods import ReportPeriod


class EmptyReportError(WelfareDataError):
    """A period (and selection) with nothing recorded: no report is made for it."""


@dataclass(frozen=True)
class Unit:
    """An administrative unit as ``admin_unit`` records it (language-free).

    The unit a commune head's scope covers issues that commune's report: its name and kind
    give the letterhead ("UBND XÃ QUẢNG TÂN") and the place on the date line ("Quảng Tân").
    """

    code: str
    name: str  # "Xã Quảng Tân", "Thị trấn …"
    kind: str  # admin_unit.kind: "xa", "thi_tran"
    parent: str | None  # the unit above it: "Huyện …" (2023 units), "Tỉnh …" (2025 units)


@dataclass(frozen=True)
class Cell:
    """One number as published: the value, and the suppression marker when it is hidden."""

    value: float | None
    marker: str | None = None

    @property
    def shown(self) -> bool:
        """True when the value is printed (not hidden, not missing)."""
        return self.marker is None and self.value is not None


@dataclass(frozen=True)
class Figure:
    """One headline indicator with its comparisons (district or selection level)."""

    code: str
    unit: str  # percent / count / money
    domain: str
    value: Cell
    numerator: Cell
    denominator: Cell | None
    previous: Cell | None  # the previous quarter (quarter reports)
    last_year: Cell
    year_to_date: Cell | None  # January to the period's end (quarter reports)
    target: float | None  # the year's target
    meets_target: bool | None  # the data layer's judgement (headline)
    higher_is_better: bool | None

    def label(self, lang: str) -> str:
        """The indicator's name, from the registry."""
        return BY_CODE[self.code].label(lang)

    @property
    def progress(self) -> float | None:
        """Year to date (or the year) as a share of the annual target, for counts and money."""
        if self.unit == "percent" or not self.target:
            return None
        reached = self.year_to_date if self.year_to_date is not None else self.value
        return reached.value / self.target if reached.shown and reached.value is not None else None


@dataclass(frozen=True)
class Row:
    """One commune (``code``) or the total (``code`` None) of a domain table."""

    code: str | None
    name: str
    cells: dict[str, Cell]


@dataclass(frozen=True)
class Grid:
    """One domain's numbers as an edition publishes them: the printed columns, a row per
    commune and the total's cells (language-free: the total row gets its name when written)."""

    domain: str
    specs: list[Spec]
    rows: list[Row]
    total: dict[str, Cell]


@dataclass(frozen=True)
class Column:
    """A column of a domain table."""

    key: str
    label: str
    unit: str  # count / money / percent
    indicator: str | None = None  # the registry code whose value this column is


@dataclass(frozen=True)
class Table:
    """One domain's table: a row per commune and a total row."""

    domain: str
    title: str
    columns: list[Column]
    rows: list[Row]
    total: Row


@dataclass(frozen=True)
class Lag:
    """The communes that lag on one indicator, and why they are listed."""

    code: str
    label: str
    domain: str
    rule: str  # below_target / behind_schedule / lowest
    rule_label: str
    communes: list[tuple[str, str]]  # (name, what is shown about it)


@dataclass(frozen=True)
class Section:
    """One domain: its paragraph, its headline codes and its table."""

    domain: str
    title: str
    summary: str
    codes: list[str]
    table: Table
    lags: list[Lag]


@dataclass(frozen=True)
class Briefing:
    """Everything the page, the Word report and the Excel annex show, in one language."""

    lang: str
    public: bool
    report: ReportPeriod
    title: str
    where: str  # who the figures are about: the whole area ("Toàn huyện"), "Xã Quảng Tân"
    commune: str | None  # the one commune reported on, when there is exactly one
    scope_label: str  # the units the reporting scope may see, by name: "Toàn huyện X"
    coverage: str  # the units the figures cover: "Toàn huyện X (9 xã, thị trấn)"
    issuer: Unit | None  # the commune whose report this is (a commune head's scope), or None
    district: str | None  # the district the scope lies in ("Huyện X"), when it is one
    issuing: Issuer  # the unit the report covers and its issuing body then (the letterhead)
    area: Area  # the unit version's whole area, as the data names it
    communes: list[tuple[str, str]]  # (code, name) of the rows
    whole_district: bool
    version: str
    is_demo: bool
    figures: dict[str, Figure]
    sections: list[Section]
    monthly: pd.DataFrame = field(repr=False)  # month, paid_amount (the trend chart's data)

    @property
    def as_of(self) -> date:
        """The last day the data covers."""
        return self.report.as_of

    def section(self, domain: str) -> Section:
        """The section of one domain."""
        return next(s for s in self.sections if s.domain == domain)
