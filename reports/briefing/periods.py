"""Report periods: a calendar quarter or year, cut at the data's as-of date, and their names.

A briefing covers a quarter or a year; the one the data is still running in is offered as
partial ("Quý IV/2023 (đến 30/11/2023)") and compared over as many months as it has.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from charts.formatting import fmt_date, fmt_period
from data_access.errors import InvalidPeriodError
from data_access.filters import Filters, Period, add_months
from i18n import Catalog

Kind = Literal["quarter", "year"]

T = Catalog(
    "reports.briefing.periods",
    {
        "year_label": ("Năm {year}", "{year}"),
        "to_date": ("{label} (đến {date})", "{label} (to {date})"),
        "months_of_year": ("{n} tháng năm {year}", "{n} months of {year}"),
        "first_months": ("{n} tháng đầu {quarter}", "the first {n} months of {quarter}"),
        "same_period": ("cùng kỳ năm {year}", "the same period of {year}"),
        "not_a_report_period": (
            "kỳ báo cáo phải là một quý hoặc một năm",
            "a report period is a quarter or a year",
        ),
        "future": (
            "{period} chưa có số liệu (số liệu đến {date}).",
            "{period} has no data yet (data as of {date}).",
        ),
    },
)


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
        """The calendar year."""
        return self.nominal.start.year

    @property
    def quarter(self) -> int | None:
        """1–4 for a quarter, None for a year."""
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

    def label(self, lang: str) -> str:
        """The picker's label: "Quý III/2023", "Quý IV/2023 (đến 30/11/2023)", "Năm 2022"."""
        if self.kind == "quarter":
            base = fmt_period(self.nominal.start, self.nominal.end, lang)
        else:
            base = T("year_label", lang, year=self.year)
        if self.partial:
            return T("to_date", lang, label=base, date=fmt_date(self.as_of, lang))
        return base

    def text_label(self, lang: str) -> str:
        """The period in running text: "Quý III/2023", "11 tháng năm 2023", "Năm 2022"."""
        if self.kind == "year" and self.partial:
            return T("months_of_year", lang, n=self.period.month_count, year=self.year)
        return self.label(lang)

    def previous(self) -> Period | None:
        """The previous quarter, cut to as many months as this one has (None for a year)."""
        if self.kind != "quarter":
            return None
        start = add_months(self.nominal.start, -3)
        return Period(start, add_months(start, self.period.month_count - 1))

    def previous_label(self, lang: str) -> str | None:
        """The previous quarter in running text: "quý II/2023", "2 tháng đầu quý III/2023"."""
        previous = self.previous()
        if previous is None:
            return None
        start = previous.start
        quarter = mid_sentence(fmt_period(start, add_months(start, 2), lang))
        if previous.month_count == 3:
            return quarter
        return T("first_months", lang, n=previous.month_count, quarter=quarter)

    def same_period_label(self, lang: str) -> str:
        """ "cùng kỳ năm 2022"."""
        return T("same_period", lang, year=self.year - 1)

    def same_period_last_year(self) -> Period:
        """The months of this period a year earlier."""
        return self.period.same_period_last_year()

    def year_to_date(self) -> Period:
        """January to the end of this period (the "lũy kế")."""
        return Period(self.nominal.start.replace(month=1), self.period.end)

    def year_to_date_label(self, lang: str) -> str:
        """ "9 tháng năm 2023"; "Năm 2023" for a whole year."""
        months = self.year_to_date().month_count
        if months == 12:
            return T("year_label", lang, year=self.year)
        return T("months_of_year", lang, n=months, year=self.year)


def mid_sentence(text: str) -> str:
    """A period's name inside a sentence: "Quý II/2023" reads "quý II/2023", "Năm" "năm".

    Only the Vietnamese names start with these words; English names are left as they are.
    """
    return text[0].lower() + text[1:] if text.startswith(("Quý", "Năm")) else text


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
        raise InvalidPeriodError(T("not_a_report_period", "vi"), T("not_a_report_period", "en"))
    report = ReportPeriod(kind, period, as_of)
    if period.start > as_of:
        raise InvalidPeriodError(
            T("future", "vi", period=report.label("vi"), date=fmt_date(as_of, "vi")),
            T("future", "en", period=report.label("en"), date=fmt_date(as_of, "en")),
        )
    return report
