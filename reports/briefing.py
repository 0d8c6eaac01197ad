"""The quarterly briefing's content: one plain data structure, built from data_access calls.

``build_briefing(conn, filters, scope)`` gathers, for a quarter or a year (cut at the data's
as-of date), the headline indicators beside the previous quarter, the same period last year and
the year's target; one table per domain with a row per commune and a total row; the communes
that lag; a monthly payout series; and one automatically written summary paragraph per domain.
The page, the Word report and the Excel annex all render this one structure, so they cannot
disagree. With ``public=True`` small counts are suppressed (``reports.suppression``) before
anything is written, so no renderer can leak them.

Pure: no streamlit import; every number comes from a data_access query, every text from
``charts.formatting``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import altair as alt
import pandas as pd
from sqlalchemy.engine import Connection

from charts.common import bar_by_commune, by_month
from charts.formatting import (
    MINUS,
    fmt_change_pct,
    fmt_change_pp,
    fmt_date,
    fmt_int,
    fmt_money,
    fmt_percent,
    fmt_period,
)
from data_access.errors import InvalidPeriodError, WelfareDataError
from data_access.filters import VERSION_2023, Filters, Period, Scope, add_months
from data_access.indicators import (
    BY_CODE,
    INDICATORS,
    Indicator,
    commune_scorecard,
    headline,
    indicator_values,
    targets,
)
from data_access.queries import data_as_of, first_month, is_demo_database, measures
from data_access.units import scoped_catalogue

from .suppression import PRIMARY, SECONDARY, THRESHOLD, is_small, suppress

Kind = Literal["quarter", "year"]
Lang = str
DOMAINS = ("coverage", "housing", "training", "payouts")
LOWEST_N = 3  # a third of the district's nine communes: enough to act on, few enough to read
RELATIVE_FROM = 100  # below this a change reads better as "tăng 2 hộ" than as "tăng 50%"
TREND_MONTHS = 12  # the payout chart shows a year of months, so seasonal dips read as such

# Indicators that count people or households: the public version hides their values 1–4.
SENSITIVE_CODES = frozenset({"F1", "F2", "F3", "F4", "F7", "F8", "F13", "F14"})
# Money that would give a hidden count away (grants follow per-house rates; payouts follow the
# standard rate times coefficients): hidden whenever one of these counts is hidden.
MONEY_LINKS = {"F9": ("F7", "F8"), "F15": ("F14",)}

TEXT: dict[str, tuple[str, str]] = {
    "title": (
        "Kết quả thực hiện công tác an sinh xã hội {period}",
        "Social welfare results, {period}",
    ),
    "of_commune": (" của {name}", " — {name}"),
    "of_selection": (" của {n} xã, thị trấn được chọn", " — {n} selected communes"),
    "district": ("toàn huyện", "the district"),
    "district_cap": ("Toàn huyện", "Whole district"),
    "selection": ("các xã, thị trấn được chọn", "the selected communes"),
    "total": ("Tổng cộng", "Total"),
    "domain_coverage": ("Bao phủ chính sách", "Coverage"),
    "domain_housing": ("Hỗ trợ nhà ở", "Housing support"),
    "domain_training": ("Đào tạo nghề và giải quyết việc làm", "Vocational training and jobs"),
    "domain_payouts": ("Chi trả trợ cấp xã hội hằng tháng", "Monthly social allowance payouts"),
    "year_label": ("Năm {year}", "{year}"),
    "to_date": ("{label} (đến {date})", "{label} (to {date})"),
    "months_of_year": ("{n} tháng năm {year}", "{n} months of {year}"),
    "first_months": ("{n} tháng đầu {quarter}", "the first {n} months of {quarter}"),
    "same_period": ("cùng kỳ năm {year}", "the same period of {year}"),
    "up": ("tăng {x}", "up {x}"),
    "down": ("giảm {x}", "down {x}"),
    "flat": ("không đổi", "unchanged"),
    "scope_all": ("Tất cả xã, thị trấn trong huyện", "Every commune of the district"),
    "scope_some": ("Chỉ {names}", "Only {names}"),
    "rule_below": ("Thấp hơn chỉ tiêu", "Below target"),
    "rule_behind": ("Chậm so với tiến độ kế hoạch năm", "Behind the annual plan's pace"),
    "rule_lowest": ("Kết quả thấp nhất", "Lowest results"),
    "empty": (
        "Không có số liệu cho {period}{where}: chưa có khoản chi trả, hỗ trợ hay hoạt động nào "
        "được ghi nhận trong kỳ, nên không lập báo cáo.",
        "No data for {period}{where}: no payment, grant or activity is recorded in the period, "
        "so no report is made.",
    ),
    "future": (
        "{period} chưa có số liệu (số liệu đến {date}).",
        "{period} has no data yet (data as of {date}).",
    ),
    "indicator": ("Chỉ tiêu", "Indicator"),
    "unit": ("Đơn vị tính", "Unit"),
    "commune": ("Xã, thị trấn", "Commune"),
    "versus": ("So với {label}", "Change on {label}"),
    "versus_year": ("So với cùng kỳ {year}", "Change on {year}"),
    "last_year_value": ("Cùng kỳ {year}", "Same period {year}"),
    "target": ("Kế hoạch năm {year}", "Annual target {year}"),
    "year_to_date": ("Lũy kế {label} (% KH)", "{label} to date (% of target)"),
    "share_of_target": ("% kế hoạch năm", "% of annual target"),
    "met": ("Đạt", "Met"),
    "below": ("Chưa đạt", "Below"),
    "not_a_report_period": (
        "kỳ báo cáo phải là một quý hoặc một năm",
        "a report period is a quarter or a year",
    ),
}


def tr(key: str, lang: Lang, **values: object) -> str:
    """A briefing string in ``lang`` with its placeholders filled."""
    vi, en = TEXT[key]
    text = vi if lang == "vi" else en
    return text.format(**values) if values else text


class EmptyReportError(WelfareDataError):
    """A period (and selection) with nothing recorded: no report is made for it."""


# --- report periods ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportPeriod:
    """A quarter or a year, cut at the data's as-of date.

    ``nominal`` is the whole quarter or year; ``period`` the months that have data.
    """

    kind: Kind
    nominal: Period
    as_of: date

    @property
    def year(self) -> int:
        return self.nominal.start.year

    @property
    def quarter(self) -> int | None:
        return (self.nominal.start.month + 2) // 3 if self.kind == "quarter" else None

    @property
    def period(self) -> Period:
        """The months reported on: the nominal period up to the as-of month."""
        end = min(self.nominal.end, self.as_of.replace(day=1))
        return Period(self.nominal.start, end)

    @property
    def partial(self) -> bool:
        """True when the quarter or year runs past the data's as-of date."""
        return self.nominal.end_date > self.as_of

    @property
    def key(self) -> str:
        """A stable name for links: "2023-Q3" or "2023"."""
        return f"{self.year}-Q{self.quarter}" if self.kind == "quarter" else str(self.year)

    def label(self, lang: Lang) -> str:
        """The picker's label: "Quý III/2023", "Quý IV/2023 (đến 30/11/2023)", "Năm 2022"."""
        if self.kind == "quarter":
            base = fmt_period(self.nominal.start, self.nominal.end, lang)
        else:
            base = tr("year_label", lang, year=self.year)
        if self.partial:
            return tr("to_date", lang, label=base, date=fmt_date(self.as_of, lang))
        return base

    def text_label(self, lang: Lang) -> str:
        """The period in running text: "Quý III/2023", "11 tháng năm 2023", "Năm 2022"."""
        if self.kind == "year" and self.partial:
            return tr("months_of_year", lang, n=self.period.month_count, year=self.year)
        return self.label(lang)

    def previous(self) -> Period | None:
        """The previous quarter, cut to as many months as this one has (None for a year)."""
        if self.kind != "quarter":
            return None
        start = add_months(self.nominal.start, -3)
        return Period(start, add_months(start, self.period.month_count - 1))

    def previous_label(self, lang: Lang) -> str | None:
        """The previous quarter in running text: "quý II/2023", "2 tháng đầu quý III/2023"."""
        previous = self.previous()
        if previous is None:
            return None
        start = previous.start
        quarter = _mid_sentence(fmt_period(start, add_months(start, 2), lang), lang)
        if previous.month_count == 3:
            return quarter
        return tr("first_months", lang, n=previous.month_count, quarter=quarter)

    def same_period_label(self, lang: Lang) -> str:
        """ "cùng kỳ năm 2022"."""
        return tr("same_period", lang, year=self.year - 1)

    def year_to_date(self) -> Period:
        """January to the end of this period (the "lũy kế")."""
        return Period(self.nominal.start.replace(month=1), self.period.end)

    def year_to_date_label(self, lang: Lang) -> str:
        """ "9 tháng năm 2023"; "Năm 2023" for a whole year."""
        months = self.year_to_date().month_count
        if months == 12:
            return tr("year_label", lang, year=self.year)
        return tr("months_of_year", lang, n=months, year=self.year)


def _mid_sentence(text: str, lang: Lang) -> str:
    """ "Quý II/2023" inside a sentence reads "quý II/2023"."""
    return text[0].lower() + text[1:] if lang == "vi" and text.startswith("Quý") else text


def report_periods(first: date, as_of: date) -> list[ReportPeriod]:
    """The periods a briefing may cover: quarters with data (newest first), then years.

    A quarter that starts after the as-of date is never offered; the quarter and year the
    data is still running in are offered as partial ("đến 30/11/2023").
    """
    quarters, years = [], []
    for year in range(as_of.year, first.year - 1, -1):
        for quarter in (4, 3, 2, 1):
            nominal = Period.quarter(year, quarter)
            if nominal.start <= as_of and nominal.end_date >= first:
                quarters.append(ReportPeriod("quarter", nominal, as_of))
        years.append(ReportPeriod("year", Period.year(year), as_of))
    return quarters + years


def default_period(periods: Sequence[ReportPeriod]) -> ReportPeriod:
    """The latest complete quarter; else the newest period offered."""
    complete = [p for p in periods if p.kind == "quarter" and not p.partial]
    return complete[0] if complete else periods[0]


def report_period(filters: Filters, as_of: date) -> ReportPeriod:
    """The report period of ``filters``: a calendar quarter or a calendar year.

    :raises InvalidPeriodError: the period is neither, or starts after the as-of date.
    """
    period = filters.period
    if period.is_quarter():
        kind: Kind = "quarter"
    elif period.start.month == 1 and period.month_count == 12:
        kind = "year"
    else:
        raise InvalidPeriodError(tr("not_a_report_period", "vi"), tr("not_a_report_period", "en"))
    report = ReportPeriod(kind, period, as_of)
    if period.start > as_of:
        raise InvalidPeriodError(
            tr("future", "vi", period=report.label("vi"), date=fmt_date(as_of, "vi")),
            tr("future", "en", period=report.label("en"), date=fmt_date(as_of, "en")),
        )
    return report


# --- the structure ------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One number as published: the value, and the suppression marker when it is hidden."""

    value: float | None
    marker: str | None = None

    @property
    def shown(self) -> bool:
        return self.marker is None and self.value is not None


@dataclass(frozen=True)
class Figure:
    """One headline indicator with its comparisons (district or selection level)."""

    code: str
    label: str
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

    @property
    def progress(self) -> float | None:
        """Year to date (or the year) as a share of the annual target, for counts and money."""
        if self.unit == "percent" or not self.target:
            return None
        reached = self.year_to_date if self.year_to_date is not None else self.value
        return reached.value / self.target if reached.shown and reached.value is not None else None


@dataclass(frozen=True)
class Column:
    """A column of a domain table."""

    key: str
    label: str
    unit: str  # count / money / percent
    indicator: str | None = None  # the registry code whose value this column is


@dataclass(frozen=True)
class Row:
    """One commune (``code``) or the total (``code`` None) of a domain table."""

    code: str | None
    name: str
    cells: dict[str, Cell]


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
    """Everything the page, the Word report and the Excel annex show."""

    lang: Lang
    public: bool
    report: ReportPeriod
    title: str
    where: str  # who the figures are about: "Toàn huyện", "Xã Quảng Tân"
    commune: str | None  # the one commune reported on, when there is exactly one
    scope_label: str
    communes: list[tuple[str, str]]  # (code, name) of the rows
    whole_district: bool
    version: str
    is_demo: bool
    figures: dict[str, Figure]
    sections: list[Section]
    monthly: pd.DataFrame = field(repr=False)  # month, paid_amount (the trend chart's data)

    @property
    def as_of(self) -> date:
        return self.report.as_of

    def section(self, domain: str) -> Section:
        return next(s for s in self.sections if s.domain == domain)


# --- domain tables ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    """How one table column is computed from ``queries.measures`` and how it is protected."""

    key: str
    vi: str
    en: str
    unit: str
    sensitive: bool = False  # counts people or households
    ratio: tuple[str, str] | None = None  # (numerator, denominator) of a percentage
    public: bool = True  # printed in the public version
    indicator: str | None = None


TABLES: dict[str, list[_Spec]] = {
    "coverage": [
        _Spec("elderly", "Người cao tuổi", "Elderly", "count", sensitive=True),
        _Spec(
            "elderly_covered",
            "Có thẻ BHYT được hỗ trợ",
            "With a supported card",
            "count",
            sensitive=True,
            public=False,
        ),
        _Spec(
            "f1",
            "Tỷ lệ có thẻ BHYT",
            "Card coverage",
            "percent",
            ratio=("elderly_covered", "elderly"),
            indicator="F1",
        ),
        _Spec(
            "health_visits",
            "Lượt khám, tư vấn",
            "Health visits",
            "count",
            sensitive=True,
            indicator="F2",
        ),
        _Spec(
            "special_cases",
            "Trẻ em có HCĐB",
            "Children in special circumstances",
            "count",
            sensitive=True,
        ),
        _Spec(
            "special_supported",
            "Trẻ em có HCĐB được trợ giúp",
            "Of whom supported",
            "count",
            sensitive=True,
            public=False,
        ),
        _Spec(
            "f3",
            "Tỷ lệ được trợ giúp",
            "Share supported",
            "percent",
            ratio=("special_supported", "special_cases"),
            indicator="F3",
        ),
        _Spec(
            "at_risk_cases",
            "Trẻ em có nguy cơ",
            "Children at risk",
            "count",
            sensitive=True,
        ),
        _Spec(
            "at_risk_supported",
            "Trẻ em có nguy cơ được can thiệp",
            "Of whom given intervention",
            "count",
            sensitive=True,
            public=False,
        ),
        _Spec(
            "f4",
            "Tỷ lệ được can thiệp",
            "Share given intervention",
            "percent",
            ratio=("at_risk_supported", "at_risk_cases"),
            indicator="F4",
        ),
        _Spec(
            "f5",
            "Có Ban Bảo vệ, chăm sóc trẻ em",
            "Has a child-protection board",
            "percent",
            ratio=("communes_with_board", "communes"),
            indicator="F5",
        ),
        _Spec("villages", "Thôn, bản, khu phố", "Villages", "count"),
        _Spec(
            "villages_with_collaborator",
            "Có cộng tác viên BVTE",
            "With a collaborator",
            "count",
        ),
        _Spec(
            "f6",
            "Tỷ lệ thôn có cộng tác viên",
            "Villages with a collaborator",
            "percent",
            ratio=("villages_with_collaborator", "villages"),
            indicator="F6",
        ),
    ],
    "housing": [
        _Spec(
            "new_builds", "Hộ xây nhà mới", "New builds", "count", sensitive=True, indicator="F7"
        ),
        _Spec("repairs", "Hộ sửa chữa nhà", "Repairs", "count", sensitive=True, indicator="F8"),
        # Per-house amounts follow rates (e.g. 80 / 40 triệu), so a commune's money would give
        # its hidden counts away: the public version prints money only as the district total.
        _Spec(
            "grant_amount",
            "Kinh phí hỗ trợ (đồng)",
            "Funding (VND)",
            "money",
            public=False,
            indicator="F9",
        ),
        _Spec(
            "socialised_amount",
            "Trong đó xã hội hóa (đồng)",
            "Of which socialised (VND)",
            "money",
            public=False,
        ),
    ],
    "training": [
        _Spec(
            "job_fairs",
            "Hội nghị giao dịch việc làm, XKLĐ",
            "Job fairs",
            "count",
            indicator="F10",
        ),
        _Spec(
            "recruitment_events",
            "Hội nghị tư vấn, tuyển dụng",
            "Recruitment consultations",
            "count",
            indicator="F11",
        ),
        _Spec("classes", "Lớp sơ cấp nghề", "Vocational classes", "count", indicator="F12"),
        _Spec("classes_non_agri", "Lớp phi nông nghiệp", "Non-agricultural", "count"),
        _Spec("classes_agri", "Lớp nông nghiệp", "Agricultural", "count"),
        _Spec("learners", "Học viên", "Learners", "count", sensitive=True, indicator="F13"),
    ],
    "payouts": [
        _Spec(
            "beneficiaries",
            "Đối tượng hưởng trợ cấp",
            "Beneficiaries",
            "count",
            sensitive=True,
            indicator="F14",
        ),
        _Spec(
            "paid_amount",
            "Kinh phí chi trả (đồng)",
            "Paid (VND)",
            "money",
            indicator="F15",
        ),
    ],
}


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _domain_table(
    domain: str,
    frame: pd.DataFrame,
    public: bool,
    lang: Lang,
    total_name: str,
) -> Table:
    """The rows of one domain from the per-commune measures, suppressed in the public version."""
    specs = TABLES[domain]
    plain = [s for s in specs if s.ratio is None]
    ratios = [s for s in specs if s.ratio is not None]
    data = pd.DataFrame(index=range(len(frame)))
    for spec in plain:
        data[spec.key] = frame[spec.key].astype("int64").to_numpy()
    # The ratios' numerators and denominators, and what a reader can derive from them (the
    # people *not* covered), take part in suppression even when they are not printed.
    sensitive = {s.key for s in plain if s.sensitive}
    virtual: set[str] = set()
    reveals: dict[str, set[str]] = {}
    bounded_by: dict[str, str] = {}
    for spec in ratios:
        assert spec.ratio is not None
        num, den = spec.ratio
        rest = f"{num}__rest"
        for column in (num, den):
            if column not in data:
                data[column] = frame[column].astype("int64").to_numpy()
                virtual.add(column)
        data[rest] = (frame[den] - frame[num]).astype("int64").to_numpy()
        data[spec.key] = [_ratio(n, d) for n, d in zip(frame[num], frame[den], strict=True)]
        virtual.add(rest)
        if den in sensitive:
            sensitive |= {num, rest}
            # A percentage with its denominator gives the numerator and the rest, and back.
            for a, b in ((den, spec.key), (num, spec.key), (rest, spec.key)):
                reveals.setdefault(a, set()).add(b)
            reveals.setdefault(spec.key, set()).update({num, rest})
            bounded_by[num] = bounded_by[rest] = den
    for spec in plain:
        if spec.unit == "money":
            for code in MONEY_LINKS.get(spec.indicator or "", ()):
                source = next(s.key for s in plain if s.indicator == code)
                reveals.setdefault(source, set()).add(spec.key)
    printed = [s for s in specs if s.public or not public]
    for spec in specs:
        if spec.key in data and spec.key not in {s.key for s in printed}:
            virtual.add(spec.key)
    additive = [c for c in data.columns if c not in {s.key for s in ratios}]
    totals = {c: float(data[c].sum()) for c in additive}
    for spec in ratios:
        assert spec.ratio is not None
        num, den = spec.ratio
        totals[spec.key] = _ratio(totals[num], totals[den])  # type: ignore[assignment]
    if public:
        protection = suppress(
            data,
            sensitive,
            additive=additive,
            virtual=virtual,
            reveals=reveals,
            bounded_by=bounded_by,
        )
        markers = protection.cells
        total_markers = protection.total
    else:
        markers = pd.DataFrame(None, index=data.index, columns=data.columns, dtype=object)
        total_markers = dict.fromkeys(data.columns)

    def cell(value: object, marker: object) -> Cell:
        number = None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]
        return Cell(number, marker if isinstance(marker, str) else None)

    columns = [Column(s.key, s.vi if lang == "vi" else s.en, s.unit, s.indicator) for s in printed]
    rows = [
        Row(
            str(frame.iloc[i]["code"]),
            str(frame.iloc[i]["name"]),
            {c.key: cell(data.iloc[i][c.key], markers.iloc[i][c.key]) for c in columns},
        )
        for i in range(len(frame))
    ]
    total = Row(
        None, total_name, {c.key: cell(totals[c.key], total_markers[c.key]) for c in columns}
    )
    return Table(domain, tr(f"domain_{domain}", lang), columns, rows, total)


# --- figures ------------------------------------------------------------------------------


def _values(total: pd.DataFrame) -> dict[str, tuple[float | None, float, float | None]]:
    """{code: (value, numerator, denominator)} from an indicator_values total frame."""
    out = {}
    for row in total.itertuples(index=False):
        den = None if row.denominator is None or pd.isna(row.denominator) else row.denominator
        value = None if row.value is None or pd.isna(row.value) else float(row.value)
        out[str(row.code)] = (value, float(row.numerator), None if den is None else float(den))
    return out


def _district_cell(
    ind: Indicator,
    value: float | None,
    numerator: float,
    denominator: float | None,
    public: bool,
    hidden_counts: set[str],
) -> Cell:
    """A district-level figure of a period that has no commune table in the document.

    The public version hides a count of 1–4, a percentage whose numerator, denominator or rest
    is 1–4, and money beside a hidden count.
    """
    if not public:
        return Cell(value)
    if ind.code in SENSITIVE_CODES:
        parts = [numerator] if denominator is None else [numerator, denominator]
        if denominator is not None:
            parts.append(denominator - numerator)
        if any(is_small(p) for p in parts):
            return Cell(value, PRIMARY if ind.unit != "percent" else SECONDARY)
    if any(code in hidden_counts for code in MONEY_LINKS.get(ind.code, ())):
        return Cell(value, SECONDARY)
    return Cell(value)


def _period_cells(
    values: dict[str, tuple[float | None, float, float | None]], public: bool
) -> dict[str, Cell]:
    """Cells of every indicator for one comparison period (previous, last year, year to date)."""
    cells: dict[str, Cell] = {}
    for ind in INDICATORS:  # counts before the money that depends on them
        value, num, den = values[ind.code]
        hidden = {c for c, cell in cells.items() if not cell.shown}
        cells[ind.code] = _district_cell(ind, value, num, den, public, hidden)
    return cells


# --- formatting helpers -----------------------------------------------------------------------


def fmt_number(unit: str, value: float | None, lang: Lang, word: str = "") -> str:
    """A value in its unit: "100%", "1.911 đối tượng", "1,48 tỷ đồng"."""
    if value is None:
        return "—"
    if unit == "percent":
        return fmt_percent(value, 1, lang)
    if unit == "money":
        return fmt_money(round(value), lang)
    return f"{fmt_int(value, lang)} {word}".strip()


EN_SINGULAR = {"classes": "class", "beneficiaries": "beneficiary"}


def unit_word(ind: Indicator, lang: Lang, value: float | None = None) -> str:
    """What an indicator counts: "hộ", "lượt"; English "household" for one, else plural."""
    if lang == "vi":
        return ind.unit_vi
    if value == 1:
        return EN_SINGULAR.get(ind.unit_en, ind.unit_en.removesuffix("s"))
    return ind.unit_en


def fmt_cell(unit: str, cell: Cell, lang: Lang, word: str = "") -> str:
    """A table cell: the marker when hidden ("<5", "x"), else the formatted value."""
    if cell.marker is not None:
        return cell.marker
    return fmt_number(unit, cell.value, lang, word)


def fmt_change(fig: Figure, base: Cell | None, lang: Lang, with_unit: bool = True) -> str:
    """The change from ``base`` to the figure's value, signed: "+9,9%", "−2 hộ", "+1,4 điểm %".

    Shown only when both numbers are shown (a difference must not reveal a hidden cell).
    ``with_unit=False`` leaves out the counted noun ("−2"), for a table with a unit column.
    """
    change = _change(fig, base)
    if change is None:
        return "—"
    kind, amount = change
    if kind == "points":
        return fmt_change_pp(amount * 100, lang)
    if kind == "relative":
        return fmt_change_pct(amount, lang)
    if amount == 0:
        return "0"
    sign = "+" if amount > 0 else MINUS
    word = unit_word(BY_CODE[fig.code], lang, abs(amount)) if with_unit else ""
    return sign + fmt_number(fig.unit, abs(amount), lang, word)


def _change(fig: Figure, base: Cell | None) -> tuple[str, float] | None:
    """("points" | "relative" | "absolute", amount) or None when it may not be shown."""
    if base is None or not base.shown or not fig.value.shown:
        return None
    now, before = fig.value.value, base.value
    assert now is not None and before is not None
    if fig.unit == "percent":
        return "points", now - before
    if before > 0 and (fig.unit == "money" or before >= RELATIVE_FROM):
        return "relative", now / before - 1
    return "absolute", now - before


def _trend(fig: Figure, base: Cell | None, lang: Lang) -> str | None:
    """ "tăng 9,9%" / "giảm 2 hộ" / "không đổi", or None when it may not be shown."""
    change = _change(fig, base)
    if change is None:
        return None
    kind, amount = change
    if kind == "points":
        magnitude = fmt_change_pp(abs(amount) * 100, lang)
    elif kind == "relative":
        magnitude = fmt_change_pct(abs(amount), lang)
    else:
        word = unit_word(BY_CODE[fig.code], lang, abs(amount))
        magnitude = ("+" if amount else "") + fmt_number(fig.unit, abs(amount), lang, word)
    if not magnitude.startswith("+"):  # rounds to zero: "0%", "0 điểm %", "0 hộ"
        return tr("flat", lang)
    return tr("up" if amount > 0 else "down", lang, x=magnitude.removeprefix("+"))


def _in_text(fig: Figure, cell: Cell | None, lang: Lang) -> str | None:
    """A figure inside a sentence: "13 hộ", "dưới 5 hộ" for "<5"; None when hidden as "x"."""
    if cell is None or cell.value is None:
        return None
    word = unit_word(BY_CODE[fig.code], lang, cell.value if cell.marker is None else None)
    if cell.marker == PRIMARY:
        under = "dưới" if lang == "vi" else "fewer than"
        return f"{under} {THRESHOLD} {word}".strip()
    if cell.marker is not None:
        return None
    return fmt_number(fig.unit, cell.value, lang, word)


# --- the builder ----------------------------------------------------------------------------


def build_briefing(
    conn: Connection,
    filters: Filters,
    scope: Scope,
    public: bool = False,
    lang: Lang = "vi",
) -> Briefing:
    """The briefing for ``filters`` (a calendar quarter or year) as ``scope`` may see it.

    :raises InvalidPeriodError: the period is not a quarter or a year, or is in the future.
    :raises EmptyReportError: nothing is recorded in the period for the selection.
    :raises WelfareDataError: a commune is unknown or outside the scope (from data_access).
    """
    as_of = data_as_of(conn)
    start = first_month(conn)
    if as_of is None or start is None:
        raise EmptyReportError(
            tr("empty", "vi", period="", where=""), tr("empty", "en", period="", where="")
        )
    report = report_period(filters, as_of)
    cut = filters.with_period(report.period)
    frame = measures(conn, cut, scope)
    names = list(zip(frame["code"], frame["name"], strict=True))
    visible = scoped_catalogue(conn, filters.version, scope)
    whole = not filters.communes and scope.communes is None
    commune = names[0][1] if len(names) == 1 else None
    where = tr("district_cap", lang) if whole else commune or tr("selection", lang)
    _check_not_empty(frame, report, lang, None if whole else where)

    head = headline(conn, cut, scope).set_index("code")
    last_year, _ = indicator_values(
        conn, cut.with_period(report.period.same_period_last_year()), scope
    )
    previous = report.previous()
    prev_values = (
        _values(indicator_values(conn, cut.with_period(previous), scope)[0]) if previous else None
    )
    ytd_period = report.year_to_date()
    ytd_total, ytd_by_unit = indicator_values(conn, cut.with_period(ytd_period), scope)

    total_name = tr("district_cap", lang) if whole else tr("total", lang)
    tables = {d: _domain_table(d, frame, public, lang, total_name) for d in DOMAINS}
    figures = _figures(
        report,
        head,
        tables,
        last_year,
        prev_values,
        ytd_total if report.kind == "quarter" else None,
        public,
        lang,
    )
    scorecard = commune_scorecard(conn, cut, scope)
    commune_targets = targets(conn, cut, scope, report.year)
    lags = _lags(
        report, tables, scorecard, commune_targets, ytd_by_unit, filters.version, public, lang
    )
    monthly = _monthly(conn, cut, scope, report)

    sections = []
    subject = _subject(whole, commune, lang)
    for domain in DOMAINS:
        writer = _WRITERS[domain]
        summary = writer(report, figures, tables[domain], subject, lang)
        sections.append(
            Section(
                domain,
                tr(f"domain_{domain}", lang),
                summary,
                [i.code for i in INDICATORS if i.domain == domain],
                tables[domain],
                [lag for lag in lags if lag.domain == domain],
            )
        )

    title = tr("title", lang, period=report.text_label(lang))
    if commune:
        title += tr("of_commune", lang, name=commune)
    elif not whole:
        title += tr("of_selection", lang, n=len(names))
    if scope.communes is None:
        scope_label = scope.label or tr("scope_all", lang)
    else:
        scope_label = scope.label or tr("scope_some", lang, names=", ".join(visible["name"]))
    return Briefing(
        lang=lang,
        public=public,
        report=report,
        title=title,
        where=where,
        commune=commune,
        scope_label=scope_label,
        communes=[(str(c), str(n)) for c, n in names],
        whole_district=whole,
        version=filters.version,
        is_demo=is_demo_database(conn),
        figures=figures,
        sections=sections,
        monthly=monthly,
    )


FLOW_COLUMNS = (
    "health_visits",
    "new_builds",
    "repairs",
    "job_fairs",
    "recruitment_events",
    "classes",
    "paid_amount",
)


def _check_not_empty(
    frame: pd.DataFrame, report: ReportPeriod, lang: Lang, where: str | None
) -> None:
    """Refuse a period in which nothing happened: an empty report would look like a real one."""
    if len(frame) and int(frame[list(FLOW_COLUMNS)].to_numpy().sum()) > 0:
        return
    vi_where = f" ({where})" if where and lang == "vi" else ""
    en_where = f" ({where})" if where and lang == "en" else ""
    raise EmptyReportError(
        tr("empty", "vi", period=report.label("vi"), where=vi_where),
        tr("empty", "en", period=report.label("en"), where=en_where),
    )


def _figures(
    report: ReportPeriod,
    head: pd.DataFrame,
    tables: dict[str, Table],
    last_year: pd.DataFrame,
    previous: dict[str, tuple[float | None, float, float | None]] | None,
    ytd_total: pd.DataFrame | None,
    public: bool,
    lang: Lang,
) -> dict[str, Figure]:
    """Headline figures; in the public version the period's own value follows its table total."""
    ly_cells = _period_cells(_values(last_year), public)
    prev_cells = _period_cells(previous, public) if previous is not None else None
    ytd_cells = _period_cells(_values(ytd_total), public) if ytd_total is not None else None
    now_values = _values(head.reset_index())
    now_cells = _period_cells(now_values, public)
    # The period's own figures appear again as the tables' total rows: use the same markers.
    for table in tables.values():
        for column in table.columns:
            if column.indicator:
                marker = table.total.cells[column.key].marker
                if marker is not None:
                    now_cells[column.indicator] = Cell(now_values[column.indicator][0], marker)
    if public:
        for code, counts in MONEY_LINKS.items():
            if any(not now_cells[c].shown for c in counts):
                now_cells[code] = Cell(now_values[code][0], SECONDARY)
        if ytd_cells is not None:
            ytd_cells = _protect_year_to_date(report, now_cells, prev_cells, ytd_cells)
    figures = {}
    for ind in INDICATORS:
        row = head.loc[ind.code]
        _, num, den = now_values[ind.code]
        sensitive_ratio = public and ind.code in SENSITIVE_CODES and den is not None
        target = None if pd.isna(row["target"]) else float(row["target"])
        meets = row["meets_target"]
        figures[ind.code] = Figure(
            code=ind.code,
            label=ind.label(lang),
            unit=ind.unit,
            domain=ind.domain,
            value=now_cells[ind.code],
            numerator=Cell(num, SECONDARY if sensitive_ratio else None),
            denominator=None if den is None else Cell(den, SECONDARY if sensitive_ratio else None),
            previous=prev_cells[ind.code] if prev_cells is not None else None,
            last_year=ly_cells[ind.code],
            year_to_date=ytd_cells[ind.code] if ytd_cells is not None else None,
            target=target,
            meets_target=None if meets is None or pd.isna(meets) else bool(meets),
            higher_is_better=ind.higher_is_better,
        )
    return figures


def _protect_year_to_date(
    report: ReportPeriod,
    now: dict[str, Cell],
    previous: dict[str, Cell] | None,
    ytd: dict[str, Cell],
) -> dict[str, Cell]:
    """Keep the year to date from giving a hidden quarter away.

    In Quý I the year to date *is* the quarter, so it takes the quarter's markers; in Quý II it
    is the previous quarter plus this one, so it is hidden when either of them is.
    """
    if report.year_to_date() == report.period:
        return dict(now)
    previous_period = report.previous()
    is_sum = (
        previous is not None
        and previous_period is not None
        and previous_period.start == report.year_to_date().start
        and previous_period.month_count == 3
    )
    if not is_sum:
        return ytd
    assert previous is not None
    out = dict(ytd)
    for ind in INDICATORS:
        code = ind.code
        if ind.unit != "percent" and (not now[code].shown or not previous[code].shown):
            out[code] = Cell(ytd[code].value, ytd[code].marker or SECONDARY)
    return out


def _subject(whole: bool, commune: str | None, lang: Lang) -> str:
    """Who did it, inside a sentence: "toàn huyện", "Xã Quảng Tân", "các xã, thị trấn được chọn"."""
    if whole:
        return tr("district", lang)
    return commune or tr("selection", lang)


def _monthly(
    conn: Connection, filters: Filters, scope: Scope, report: ReportPeriod
) -> pd.DataFrame:
    """Allowance paid per month over the last TREND_MONTHS months ending with the period."""
    end = report.period.end
    rows = []
    for offset in range(TREND_MONTHS - 1, -1, -1):
        month = add_months(end, -offset)
        total, _ = indicator_values(conn, filters.with_period(Period(month, month)), scope, ["F15"])
        rows.append({"month": pd.Timestamp(month), "paid_amount": int(total.iloc[0]["numerator"])})
    frame = pd.DataFrame(rows)
    return frame[frame["paid_amount"] > 0].reset_index(drop=True)


# --- lagging communes ---------------------------------------------------------------------


def _lags(
    report: ReportPeriod,
    tables: dict[str, Table],
    scorecard: pd.DataFrame,
    commune_targets: pd.DataFrame,
    ytd_by_unit: pd.DataFrame,
    version: str,
    public: bool,
    lang: Lang,
) -> list[Lag]:
    """The communes that lag on each indicator where higher is better.

    - a percentage: communes below the district's target (the data layer's scorecard);
    - a count with commune targets: communes whose year to date is below the pro-rata share of
      their annual target (after 9 months, 9/12 of it);
    - any other count or money: the LOWEST_N lowest communes (ties included), when there are
      more communes than that to compare.
    In the public version a hidden cell is never ranked or listed.
    """
    cells = _commune_cells(tables)
    lags: list[Lag] = []
    months_done = report.year_to_date().month_count
    for ind in INDICATORS:
        if not ind.higher_is_better:
            continue
        rows = scorecard[scorecard["code"] == ind.code]
        # A value the tables do not print (the public version's withheld money) is not listed.
        unprinted = Cell(None, SECONDARY) if public else None
        shown = {
            r.unit_code: r
            for r in rows.itertuples(index=False)
            if r.value is not None
            and cells.get((ind.code, r.unit_code), unprinted or Cell(r.value)).shown
        }
        word = unit_word(ind, lang)
        if ind.unit == "percent":
            below = sorted(
                (r for r in shown.values() if r.meets_target is False),
                key=lambda r: (r.value, r.unit_name),
            )
            items = [
                (
                    r.unit_name,
                    f"{fmt_number('percent', r.value, lang)}, "
                    f"{'chỉ tiêu' if lang == 'vi' else 'target'} "
                    f"{fmt_number('percent', r.target, lang)}",
                )
                for r in below
            ]
            if items:
                lags.append(_lag(ind, "below_target", items, lang))
            continue
        own = commune_targets[commune_targets["code"] == ind.code].dropna(subset=["unit_id"])
        if len(own) and version == VERSION_2023:
            behind = _behind(ind, own, ytd_by_unit, months_done, public, lang)
            if behind:
                lags.append(_lag(ind, "behind_schedule", behind, lang))
            continue
        if len(rows) <= LOWEST_N:
            continue
        ranked = sorted(shown.values(), key=lambda r: (r.value, r.unit_name))
        if not ranked:
            continue
        cutoff = ranked[min(LOWEST_N, len(ranked)) - 1].value
        lowest = [r for r in ranked if r.value <= cutoff]
        if len(lowest) > len(rows) / 2:
            continue  # most communes tie at the bottom (often at 0): nobody stands out
        items = [(r.unit_name, fmt_number(ind.unit, r.value, lang, word)) for r in lowest]
        lags.append(_lag(ind, "lowest", items, lang))
    return lags


def _lag(ind: Indicator, rule: str, items: list[tuple[str, str]], lang: Lang) -> Lag:
    key = {"below_target": "rule_below", "behind_schedule": "rule_behind", "lowest": "rule_lowest"}
    return Lag(ind.code, ind.label(lang), ind.domain, rule, tr(key[rule], lang), items)


def _behind(
    ind: Indicator,
    own: pd.DataFrame,
    ytd_by_unit: pd.DataFrame,
    months_done: int,
    public: bool,
    lang: Lang,
) -> list[tuple[str, str]]:
    """Communes whose year to date is below months_done/12 of their own annual target."""
    goal = dict(zip(own["unit_id"].astype(int), own["value"], strict=True))
    pace = months_done / 12
    items = []
    for r in ytd_by_unit[ytd_by_unit["code"] == ind.code].itertuples(index=False):
        target, value = goal.get(int(r.unit_id)), float(r.numerator)
        if not target or (public and ind.code in SENSITIVE_CODES and is_small(value)):
            continue
        share = value / float(target)
        if share < pace:
            text = _behind_text(ind, value, share, pace, target, lang, counts=not public)
            items.append((str(r.unit_name), text))
    return sorted(items)


def _behind_text(
    ind: Indicator,
    value: float,
    share: float,
    pace: float,
    target: float,
    lang: Lang,
    counts: bool = True,
) -> str:
    """ "lũy kế 140/226 lượt, đạt 61,9% kế hoạch năm, tiến độ cần đạt 75%".

    ``counts=False`` (public version) gives only the shares: a commune's year-to-date count is
    printed nowhere else, and with the quarter's it would give the earlier months away.
    """
    word = unit_word(ind, lang, target)
    reached = f"{fmt_int(value, lang)}/{fmt_number(ind.unit, target, lang, word)}"
    if lang == "vi":
        head = f"lũy kế {reached}, đạt" if counts else "lũy kế đạt"
        return (
            f"{head} {fmt_percent(share, 1, lang)} kế hoạch năm, "
            f"tiến độ cần đạt {fmt_percent(pace, 1, lang)}"
        )
    head = f"{reached} to date, " if counts else ""
    return (
        f"{head}{fmt_percent(share, 1, lang)} of the annual target, "
        f"{fmt_percent(pace, 1, lang)} expected by now"
    )


def _commune_cells(tables: dict[str, Table]) -> dict[tuple[str, str], Cell]:
    """{(indicator code, commune code): cell} of every indicator column of the tables."""
    out = {}
    for table in tables.values():
        for column in table.columns:
            if column.indicator:
                for row in table.rows:
                    out[(column.indicator, str(row.code))] = row.cells[column.key]
    return out


# --- the summary paragraphs ----------------------------------------------------------------
# One paragraph per domain, composed from the figures. Every clause that would print a hidden
# number or compare with one is left out; "<5" reads "dưới 5" in running text.

Writer = Callable[[ReportPeriod, dict[str, Figure], Table, str, Lang], str]


def _sentence(text: str) -> str:
    text = text.strip()
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _paragraph(sentences: Sequence[str | None]) -> str:
    return " ".join(_sentence(s) for s in sentences if s)


def _comparisons(fig: Figure, report: ReportPeriod, lang: Lang) -> str:
    """ ", tăng 1,2% so với quý II/2023 và tăng 11,7% so với cùng kỳ năm 2022" (shown parts)."""
    parts = []
    versus = "so với" if lang == "vi" else "on"
    if fig.previous is not None:
        prev = _trend(fig, fig.previous, lang)
        if prev:
            parts.append(f"{prev} {versus} {report.previous_label(lang)}")
    ly = _trend(fig, fig.last_year, lang)
    if ly:
        parts.append(f"{ly} {versus} {report.same_period_label(lang)}")
    if not parts:
        return ""
    return ", " + (" và " if lang == "vi" else " and ").join(parts)


def _share(fig: Figure, lang: Lang) -> str | None:
    """The year to date as a share of the annual target: "108,3%"."""
    return None if fig.progress is None else fmt_percent(fig.progress, 1, lang)


def _goal(fig: Figure, lang: Lang) -> str:
    return fmt_number(fig.unit, fig.target, lang, unit_word(BY_CODE[fig.code], lang, fig.target))


def _progress(fig: Figure, report: ReportPeriod, lang: Lang) -> str | None:
    """ "lũy kế 9 tháng năm 2023 đạt 2.280 lượt, bằng 76% kế hoạch năm (3.000 lượt)"."""
    share = _share(fig, lang)
    if share is None:
        return None
    if report.kind == "year":
        if lang == "vi":
            return f"bằng {share} kế hoạch năm ({_goal(fig, lang)})"
        return f"{share} of the annual target ({_goal(fig, lang)})"
    amount = _in_text(fig, fig.year_to_date, lang)
    label = report.year_to_date_label(lang)
    if lang == "vi":
        return f"lũy kế {_mid(label)} đạt {amount}, bằng {share} kế hoạch năm ({_goal(fig, lang)})"
    return f"{amount} in {label}, {share} of the annual target ({_goal(fig, lang)})"


@dataclass(frozen=True)
class _PlanItem:
    """One figure in a year-to-date sentence: "13 hộ xây mới" or, for money, "kinh phí 1,48 tỷ"."""

    figure: Figure
    noun_vi: str
    noun_en: str
    noun_first: bool = False  # "kinh phí 1,48 tỷ đồng" rather than "13 hộ xây mới"

    def amount(self, lang: Lang) -> str:
        cell = self.figure.year_to_date
        if lang == "en" and self.figure.unit == "count" and cell is not None:
            return _en_count(cell, self.noun_en)
        amount = _in_text(self.figure, cell, lang) or ""
        noun = self.noun_vi if lang == "vi" else self.noun_en
        return " ".join(p for p in ((noun, amount) if self.noun_first else (amount, noun)) if p)


def _en_count(cell: Cell, plural: str) -> str:
    """ "13 new builds", "1 class", "fewer than 5 repairs" (English counts with their noun)."""
    if cell.marker == PRIMARY:
        return f"fewer than {THRESHOLD} {plural}"
    value = cell.value or 0
    *head, last = plural.split()
    singular = EN_SINGULAR.get(last, last.removesuffix("s"))
    noun = " ".join([*head, singular]) if value == 1 else plural
    return f"{fmt_int(value, 'en')} {noun}"


def _plan_items(
    items: Sequence[_PlanItem], report: ReportPeriod, subject: str, lang: Lang
) -> str | None:
    """Year-to-date progress of several figures in one sentence; None when none is shown.

    Quarter: "Lũy kế 9 tháng năm 2023, toàn huyện đạt 13 hộ xây mới (bằng 108,3% kế hoạch
    năm), …". Year: "So với kế hoạch năm: hộ xây mới đạt 108,3%, …".
    """
    vi = lang == "vi"
    parts = []
    for item in items:
        share = _share(item.figure, lang)
        if share is None:
            continue
        if report.kind == "year":
            label = item.figure.label
            label = label[0].lower() + label[1:] if vi else label
            parts.append(f"{label} đạt {share}" if vi else f"{label}: {share}")
        else:
            amount = item.amount(lang)
            parts.append(f"{amount} (bằng {share} kế hoạch năm)" if vi else f"{amount} ({share})")
    if not parts:
        return None
    if report.kind == "year":
        lead = "So với kế hoạch năm: " if vi else "Against the annual targets: "
        return lead + ", ".join(parts)
    label = report.year_to_date_label(lang)
    if vi:
        return f"Lũy kế {_mid(label)}, {subject} đạt " + ", ".join(parts)
    return f"In {label} {subject} reached " + ", ".join(parts) + " of the annual targets"


def _mid(text: str) -> str:
    return text[0].lower() + text[1:] if text.startswith("Năm") else text


def _percent_against_target(fig: Figure, lang: Lang) -> str:
    """ ", đạt chỉ tiêu (100%)" / ", thấp hơn chỉ tiêu 100% là 2,8 điểm %"."""
    if fig.target is None or not fig.value.shown or fig.value.value is None:
        return ""
    goal = fmt_percent(fig.target, 1, lang)
    gap = fig.value.value - fig.target
    if gap >= 0:
        return f", đạt chỉ tiêu ({goal})" if lang == "vi" else f", meeting the target ({goal})"
    points = fmt_change_pp(-gap * 100, lang).removeprefix("+")
    if lang == "vi":
        return f", thấp hơn chỉ tiêu {goal} là {points}"
    return f", {points} below the target of {goal}"


def _counts(fig: Figure, noun_vi: str, noun_en: str, lang: Lang) -> str:
    """ " (4.488/4.488 người)"; empty when the counts are not published."""
    den = fig.denominator
    if not fig.numerator.shown or den is None or not den.shown:
        return ""
    noun = noun_vi if lang == "vi" else noun_en
    return f" ({fmt_int(fig.numerator.value, lang)}/{fmt_int(den.value, lang)} {noun})"


def _pct(fig: Figure, lang: Lang) -> str | None:
    return fmt_percent(fig.value.value, 1, lang) if fig.value.shown else None


def _write_coverage(
    report: ReportPeriod, f: dict[str, Figure], table: Table, subject: str, lang: Lang
) -> str:
    vi = lang == "vi"
    ref = fmt_date(min(report.period.end_date, report.as_of), lang)
    period = report.text_label(lang)
    out: list[str | None] = []
    f1 = _pct(f["F1"], lang)
    if f1:
        counts, versus = (
            _counts(f["F1"], "người", "people", lang),
            _percent_against_target(f["F1"], lang),
        )
        out.append(
            f"Đến {ref}, {subject} có {f1} người cao tuổi{counts} được cấp thẻ BHYT do Nhà nước "
            f"đóng hoặc hỗ trợ đóng{versus}"
            if vi
            else f"By {ref}, {f1} of the elderly in {subject}{counts} held a health-insurance "
            f"card paid or co-paid by the State{versus}"
        )
    visits = _in_text(f["F2"], f["F2"].value, lang)
    if visits:
        progress = _progress(f["F2"], report, lang)
        tail = f"; {progress}" if progress else ""
        out.append(
            f"{period}, {subject} có {visits} người cao tuổi được khám, tư vấn sức khỏe"
            f"{_comparisons(f['F2'], report, lang)}{tail}"
            if vi
            else f"In {period}, {subject} recorded {visits} by the elderly for check-ups and "
            f"consultations{_comparisons(f['F2'], report, lang)}{tail}"
        )
    kids = []
    for code, what_vi, what_en in (
        ("F3", "trẻ em có hoàn cảnh đặc biệt được trợ giúp", "children in special circumstances"),
        ("F4", "trẻ em có nguy cơ được can thiệp, hỗ trợ", "at-risk children"),
    ):
        value = _pct(f[code], lang)
        if value is None:
            continue
        counts, versus = (
            _counts(f[code], "trẻ", "children", lang),
            _percent_against_target(f[code], lang),
        )
        done_en = "supported" if code == "F3" else "given intervention"
        kids.append(
            f"tỷ lệ {what_vi} đạt {value}{counts}{versus}"
            if vi
            else f"{value} of {what_en}{counts} were {done_en}{versus}"
        )
    if kids:
        out.append("; ".join(kids))
    elif f["F3"].denominator is not None and f["F3"].denominator.value:
        out.append(
            "tỷ lệ trẻ em được trợ giúp, can thiệp không công bố trong bản này vì số nhỏ"
            if vi
            else "the shares of children supported are not published here (small numbers)"
        )
    out.append(_boards_and_villages(f["F5"], f["F6"], subject, lang))
    return _paragraph(out)


def _boards_and_villages(f5: Figure, f6: Figure, subject: str, lang: Lang) -> str | None:
    """ "9/9 xã, thị trấn có Ban …; 73/73 thôn, bản, khu phố (100%) có cộng tác viên …"."""
    vi = lang == "vi"
    if f5.denominator is None or not f5.denominator.value or f6.denominator is None:
        return None
    boards_n, boards_d = f5.numerator.value, f5.denominator.value
    if boards_d == 1:
        has = ("đã có" if boards_n else "chưa có") if vi else ("has" if boards_n else "has no")
        boards = (
            f"{subject} {has} Ban Bảo vệ, chăm sóc trẻ em"
            if vi
            else f"{subject} {has} child-protection board"
        )
    else:
        ratio = f"{fmt_int(boards_n, lang)}/{fmt_int(boards_d, lang)}"
        boards = (
            f"{ratio} xã, thị trấn có Ban Bảo vệ, chăm sóc trẻ em"
            if vi
            else f"{ratio} communes have a child-protection board"
        )
    villages = f"{fmt_int(f6.numerator.value, lang)}/{fmt_int(f6.denominator.value, lang)}"
    share = fmt_percent(f6.value.value, 1, lang)
    if vi:
        return f"{boards}; {villages} thôn, bản, khu phố ({share}) có cộng tác viên bảo vệ trẻ em"
    return f"{boards}; {villages} villages ({share}) have a child-protection collaborator"


def _write_housing(
    report: ReportPeriod, f: dict[str, Figure], table: Table, subject: str, lang: Lang
) -> str:
    vi = lang == "vi"
    period = report.text_label(lang)
    if f["F7"].value.value == 0 and f["F8"].value.value == 0:
        return _sentence(
            f"{period}, {subject} không có hộ nào được phê duyệt hỗ trợ nhà ở"
            if vi
            else f"In {period}, no housing grant was approved in {subject}"
        )
    new, repairs = _in_text(f["F7"], f["F7"].value, lang), _in_text(f["F8"], f["F8"].value, lang)
    parts = []
    if new:
        parts.append(f"{new} xây nhà mới" if vi else f"{new} to build a new house")
    if repairs:
        parts.append(f"{repairs} sửa chữa, cải tạo nhà ở" if vi else f"{repairs} to repair one")
    joined = (" và " if vi else " and ").join(parts) or ("một số hộ" if vi else "some households")
    first = (
        f"{period}, {subject} hỗ trợ {joined}" if vi else f"In {period}, {subject} helped {joined}"
    )
    money = _in_text(f["F9"], f["F9"].value, lang)
    if money:
        first += f", tổng kinh phí {money}" if vi else f", {money} in total"
        social = _pct(f["F9S"], lang)
        if social:
            first += (
                f", trong đó {social} từ nguồn xã hội hóa" if vi else f", {social} of it socialised"
            )
    versus = []
    for code, noun_vi, noun_en in (
        ("F7", "số hộ xây mới", "new builds"),
        ("F8", "số hộ sửa chữa", "repairs"),
    ):
        trend = _trend(f[code], f[code].last_year, lang)
        if trend:
            versus.append(f"{noun_vi} {trend}" if vi else f"{noun_en} {trend}")
    label = report.same_period_label(lang)
    second = (
        (f"So với {label}, " if vi else f"Compared with {label}, ") + ", ".join(versus)
        if versus
        else None
    )
    plan = _plan_items(
        [
            _PlanItem(f["F7"], "xây mới", "new builds"),
            _PlanItem(f["F8"], "sửa chữa", "repairs"),
            _PlanItem(f["F9"], "kinh phí", "funding", noun_first=True),
        ],
        report,
        subject,
        lang,
    )
    return _paragraph([first, second, plan])


def _write_training(
    report: ReportPeriod, f: dict[str, Figure], table: Table, subject: str, lang: Lang
) -> str:
    vi = lang == "vi"
    period = report.text_label(lang)
    events = []
    for code, what_vi, what_en in (
        (
            "F10",
            "giao dịch việc làm, xuất khẩu lao động",
            "job fairs and labour-export conferences",
        ),
        ("F11", "tư vấn, tuyển dụng lao động", "recruitment consultations"),
    ):
        amount = _in_text(f[code], f[code].value, lang)
        if f[code].value.value and amount:
            events.append(f"{amount} {what_vi}" if vi else _en_count(f[code].value, what_en))
    if events:
        did = ("tổ chức " if vi else "held ") + (" và " if vi else " and ").join(events)
    else:
        did = "không tổ chức hội nghị việc làm" if vi else "held no job events"
    total = table.total.cells
    if f["F12"].value.value:
        classes = _in_text(f["F12"], f["F12"].value, lang)
        non, agri = total["classes_non_agri"].value, total["classes_agri"].value
        split = (
            f" ({fmt_int(non, lang)} lớp phi nông nghiệp, {fmt_int(agri, lang)} lớp nông nghiệp)"
            if vi
            else f" ({fmt_int(non, lang)} non-agricultural, {fmt_int(agri, lang)} agricultural)"
        )
        learners = _in_text(f["F13"], f["F13"].value, lang)
        with_learners = (f" với {learners}" if vi else f" with {learners}") if learners else ""
        opened = (
            f"khai giảng {classes} sơ cấp nghề cho lao động nông thôn{split}{with_learners}"
            if vi
            else f"opened {classes} of elementary vocational training{split}{with_learners}"
        )
    else:
        opened = "không khai giảng lớp sơ cấp nghề mới" if vi else "opened no vocational class"
    first = (
        f"{period}, {subject} {did}; {opened}" if vi else f"In {period}, {subject} {did}; {opened}"
    )
    plan = _plan_items(
        [
            _PlanItem(f["F10"], "giao dịch việc làm", "job fairs"),
            _PlanItem(f["F11"], "tư vấn, tuyển dụng", "recruitment consultations"),
            _PlanItem(f["F12"], "sơ cấp nghề", "classes"),
            _PlanItem(f["F13"], "", "learners", noun_first=True),
        ],
        report,
        subject,
        lang,
    )
    versus = []
    for code, noun_vi, noun_en in (
        ("F12", "số lớp", "classes"),
        ("F13", "số học viên", "learners"),
    ):
        trend = _trend(f[code], f[code].last_year, lang)
        if trend:
            versus.append(f"{noun_vi} {trend}" if vi else f"{noun_en} {trend}")
    label = report.same_period_label(lang)
    third = (
        (f"So với {label}, " if vi else f"Compared with {label}, ") + ", ".join(versus)
        if versus
        else None
    )
    return _paragraph([first, plan, third])


def _write_payouts(
    report: ReportPeriod, f: dict[str, Figure], table: Table, subject: str, lang: Lang
) -> str:
    vi = lang == "vi"
    period = report.text_label(lang)
    if not f["F15"].value.value:
        return _sentence(
            f"{period}, {subject} chưa có khoản chi trả trợ cấp xã hội nào"
            if vi
            else f"In {period}, {subject} paid no social allowance"
        )
    paid = _in_text(f["F15"], f["F15"].value, lang)
    people = _in_text(f["F14"], f["F14"].value, lang)
    first = None
    if paid:
        to_whom = (f" cho {people}" if vi else f" to {people}") if people else ""
        first = (
            f"{period}, {subject} chi trả {paid} trợ cấp xã hội hằng tháng{to_whom}"
            f"{_comparisons(f['F15'], report, lang)}"
            if vi
            else f"In {period}, {subject} paid {paid} in monthly social allowances{to_whom}"
            f"{_comparisons(f['F15'], report, lang)}"
        )
    trend = _trend(f["F14"], f["F14"].last_year, lang)
    label = report.same_period_label(lang)
    second = (
        (
            f"Số đối tượng hưởng trợ cấp {trend} so với {label}"
            if vi
            else f"The number of beneficiaries is {trend} on {label}"
        )
        if trend
        else None
    )
    share = _share(f["F15"], lang)
    third = None
    if share:
        goal = _goal(f["F15"], lang)
        if report.kind == "year":
            third = (
                f"Kinh phí chi trả bằng {share} kế hoạch năm ({goal})"
                if vi
                else f"Payouts reached {share} of the annual plan ({goal})"
            )
        else:
            ytd = _in_text(f["F15"], f["F15"].year_to_date, lang)
            ytd_label = report.year_to_date_label(lang)
            third = (
                f"Lũy kế {_mid(ytd_label)}, kinh phí chi trả đạt {ytd}, bằng {share} kế hoạch "
                f"năm ({goal})"
                if vi
                else f"In {ytd_label}, payouts reached {ytd}, {share} of the annual plan ({goal})"
            )
    return _paragraph([first, second, third])


_WRITERS: dict[str, Writer] = {
    "coverage": _write_coverage,
    "housing": _write_housing,
    "training": _write_training,
    "payouts": _write_payouts,
}


# --- tables as text (the page and the Word report) ------------------------------------------


def headline_rows(briefing: Briefing) -> tuple[list[str], list[list[str]]]:
    """The headline table: header and one row of formatted cells per indicator.

    Quarter: value, change on the previous quarter, change on the same quarter last year, the
    annual target, and the year to date with its share of the target (or, for a percentage,
    whether the target is met). Year: value, last year's value, the change, target, share.
    """
    lang, report = briefing.lang, briefing.report
    year = report.year
    if report.kind == "quarter":
        middle = [
            tr("versus", lang, label=report.previous_label(lang)),
            tr("versus_year", lang, year=year - 1),
        ]
        last = tr("year_to_date", lang, label=report.year_to_date_label(lang).lower())
    else:
        middle = [
            tr("last_year_value", lang, year=year - 1),
            tr("versus_year", lang, year=year - 1),
        ]
        last = tr("share_of_target", lang)
    header = [
        tr("indicator", lang),
        tr("unit", lang),
        report.label(lang),
        *middle,
        tr("target", lang, year=year),
        last,
    ]
    return header, [_headline_row(fig, briefing) for fig in briefing.figures.values()]


def unit_label(fig: Figure, lang: Lang) -> str:
    """The "Đơn vị tính" of a figure: "%", "đồng", "hộ", "lượt"."""
    if fig.unit == "percent":
        return "%"
    if fig.unit == "money":
        return "đồng" if lang == "vi" else "VND"
    return unit_word(BY_CODE[fig.code], lang)


def _headline_row(fig: Figure, briefing: Briefing) -> list[str]:
    """One indicator: numbers without their noun, which the unit column gives once."""
    lang, report = briefing.lang, briefing.report

    def number(cell: Cell | None) -> str:
        return "—" if cell is None else fmt_cell(fig.unit, cell, lang)

    target = fmt_number(fig.unit, fig.target, lang) if fig.target is not None else "—"
    if fig.unit == "percent":
        judged = {True: tr("met", lang), False: tr("below", lang)}.get(fig.meets_target)  # type: ignore[arg-type]
        last = judged if fig.value.shown and judged else "—"
    elif fig.progress is not None:
        share = fmt_number("percent", fig.progress, lang)
        last = f"{number(fig.year_to_date)} ({share})" if report.kind == "quarter" else share
    else:
        last = "—"  # no target: a year to date says nothing the period's value does not
    if report.kind == "quarter":
        middle = [
            fmt_change(fig, fig.previous, lang, with_unit=False),
            fmt_change(fig, fig.last_year, lang, with_unit=False),
        ]
    else:
        middle = [number(fig.last_year), fmt_change(fig, fig.last_year, lang, with_unit=False)]
    return [fig.label, unit_label(fig, lang), number(fig.value), *middle, target, last]


def table_rows(
    table: Table, lang: Lang, keys: Sequence[str] | None = None
) -> tuple[list[str], list[list[str]]]:
    """A domain table as text: header, then a row per commune and the total row.

    ``keys`` picks and orders columns (those missing from the table, e.g. withheld in the public
    version, are skipped); default: every column.
    """
    chosen = [c for c in table.columns if keys is None or c.key in keys]
    if keys is not None:
        chosen.sort(key=lambda c: list(keys).index(c.key))
    header = [tr("commune", lang), *(c.label for c in chosen)]
    rows = [
        [row.name, *(fmt_cell(c.unit, row.cells[c.key], lang) for c in chosen)]
        for row in [*table.rows, table.total]
    ]
    return header, rows


# --- charts -------------------------------------------------------------------------------


CHART_TEXT = {
    "coverage": (
        "Lượt người cao tuổi được khám, tư vấn sức khỏe",
        "Elderly health visits",
        "Số lượt",
        "Visits",
    ),
    "housing": (
        "Hộ được hỗ trợ nhà ở",
        "Households granted housing support",
        "Số hộ",
        "Households",
    ),
    "training": (
        "Học viên các lớp sơ cấp nghề",
        "Learners in vocational classes",
        "Học viên",
        "Learners",
    ),
    "payouts": (
        "Kinh phí chi trả trợ cấp xã hội theo tháng",
        "Social allowance paid per month",
        "Kinh phí",
        "Paid",
    ),
}


def chart_frame(briefing: Briefing, domain: str) -> pd.DataFrame:
    """The data behind a section's chart: shown cells only (a hidden cell is never drawn)."""
    lang = briefing.lang
    table = briefing.section(domain).table
    if domain == "payouts":
        return briefing.monthly.copy()
    if domain == "housing":
        kinds = (("new_builds", "Xây mới", "New build"), ("repairs", "Sửa chữa", "Repair"))
        rows = [
            {
                "unit_code": row.code,
                "unit_name": row.name,
                "kind": vi if lang == "vi" else en,
                "value": row.cells[key].value,
            }
            for row in table.rows
            for key, vi, en in kinds
            if row.cells[key].shown and row.cells[key].value
        ]
        return pd.DataFrame(rows, columns=["unit_code", "unit_name", "kind", "value"])
    key = "health_visits" if domain == "coverage" else "learners"
    rows = [
        {"unit_code": row.code, "unit_name": row.name, "value": row.cells[key].value}
        for row in table.rows
        if row.cells[key].shown and row.cells[key].value
    ]
    return pd.DataFrame(rows, columns=["unit_code", "unit_name", "value"])


def section_chart(briefing: Briefing, domain: str) -> alt.Chart | None:
    """The chart that matters for a domain, built with charts.common; None when nothing to draw."""
    lang = briefing.lang
    frame = chart_frame(briefing, domain)
    if frame.empty or (domain != "payouts" and len(briefing.communes) < 2):
        return None  # nothing to draw, or one commune's single bar: the table says it better
    title_vi, title_en, axis_vi, axis_en = CHART_TEXT[domain]
    title = title_vi if lang == "vi" else title_en
    axis = axis_vi if lang == "vi" else axis_en
    if domain == "payouts":
        return by_month(
            frame,
            "paid_amount",
            title=title,
            value_title=axis,
            fmt=lambda v: fmt_money(v, lang),
            lang=lang,
            unit="money",
        )
    kind = {"color": "kind", "color_title": ""} if domain == "housing" else {}
    chart = bar_by_commune(
        frame,
        "value",
        title=title,
        value_title=axis,
        fmt=lambda v: fmt_int(v, lang),
        lang=lang,
        **kind,  # type: ignore[arg-type]
    )
    # Counts are whole: without this a small maximum gets ticks at 0,2 … printed "0 0 1 1".
    return chart.configure_axisX(tickMinStep=1)
