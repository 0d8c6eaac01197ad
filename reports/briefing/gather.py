"""Gather: every figure a briefing needs, in one set of queries per (period, filters, scope).

Language-free and edition-free, so the page caches it once and writes it in either language,
internal or public, without asking the database again. Every number comes from a data_access
query; nothing here formats or hides anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy.engine import Connection

from data_access import payouts
from data_access.filters import VERSION_2023, Filters, Period, Scope, add_months
from data_access.indicators import commune_scorecard, headline, indicator_values, targets
from data_access.organisation import Area, Issuer, report_issuer, whole_area
from data_access.queries import data_as_of, first_month, is_demo_database, measures
from data_access.units import scoped_catalogue, unit_catalogue
from i18n import Catalog

from .model import EmptyReportError, Unit
from .periods import ReportPeriod, report_period

TREND_MONTHS = 12  # the payout chart shows a year of months, so seasonal dips read as such
# Things that happen in a period (not stocks such as people alive): none at all, no report.
FLOW_COLUMNS = (
    "health_visits",
    "new_builds",
    "repairs",
    "job_fairs",
    "recruitment_events",
    "classes",
    "paid_amount",
)

T = Catalog(
    "reports.briefing.gather",
    {
        "selection": ("các xã, thị trấn được chọn", "the selected communes"),
        "empty": (
            "Không có số liệu cho {period}{where}: chưa có khoản chi trả, hỗ trợ hay hoạt động "
            "nào được ghi nhận trong kỳ, nên không lập báo cáo.",
            "No data for {period}{where}: no payment, grant or activity is recorded in the "
            "period, so no report is made.",
        ),
    },
)


@dataclass(frozen=True)
class Gathered:
    """The query results behind one briefing: numbers and names only, no language, no edition."""

    report: ReportPeriod
    version: str
    scope: Scope
    communes: list[tuple[str, str]]  # (code, name) of the rows
    whole_district: bool  # no commune chosen and a scope over the whole district
    visible: list[str]  # names of the communes the scope may see
    issuer: Unit | None  # the scope's one commune (a commune head's): it issues the report
    district: str | None  # the one district the scope's record-level units lie in
    issuing: Issuer  # who issues it: the unit it covers and its body then (letterhead)
    area: Area  # the version's whole area: "Toàn huyện" (2023 units), from the data
    is_demo: bool
    measures: pd.DataFrame = field(repr=False)  # per commune: code, name, every measure
    headline: pd.DataFrame = field(repr=False)  # per indicator, indexed by code
    last_year: pd.DataFrame = field(repr=False)  # indicator totals, same period last year
    previous: pd.DataFrame | None = field(repr=False)  # totals, previous quarter (quarters)
    year_to_date: pd.DataFrame = field(repr=False)  # totals, January to the period's end
    year_to_date_by_unit: pd.DataFrame = field(repr=False)  # the same per commune
    scorecard: pd.DataFrame = field(repr=False)  # per indicator and commune, with targets
    commune_targets: pd.DataFrame = field(repr=False)  # the year's targets
    monthly: pd.DataFrame = field(repr=False)  # month, paid_amount (months with payments)

    @property
    def commune(self) -> str | None:
        """The one commune reported on, when there is exactly one."""
        return self.communes[0][1] if len(self.communes) == 1 else None


def where(whole: bool, commune: str | None, lang: str, area: Area) -> str:
    """Who the figures are about: the whole area as the data names it ("Toàn huyện"), "Xã
    Quảng Tân", "các xã, thị trấn được chọn"."""
    return area.label(lang) if whole else commune or T("selection", lang)


def gather(conn: Connection, filters: Filters, scope: Scope) -> Gathered:
    """The figures for ``filters`` (a calendar quarter or year) as ``scope`` may see them.

    :raises InvalidPeriodError: the period is not a quarter or a year, or is in the future.
    :raises EmptyReportError: nothing is recorded in the period for the selection.
    :raises WelfareDataError: a commune is unknown or outside the scope (from data_access).
    """
    as_of = data_as_of(conn)
    start = first_month(conn)
    if as_of is None or start is None:
        raise EmptyReportError(
            T("empty", "vi", period="", where=""), T("empty", "en", period="", where="")
        )
    report = report_period(filters, as_of)
    cut = filters.with_period(report.period)
    frame = measures(conn, cut, scope)
    communes = [(str(c), str(n)) for c, n in zip(frame["code"], frame["name"], strict=True)]
    visible = scoped_catalogue(conn, filters.version, scope)
    issuer = None
    if scope.communes is not None and len(visible) == 1:
        one = visible.iloc[0]
        parent = None if pd.isna(one["parent_name"]) else str(one["parent_name"])
        issuer = Unit(str(one["code"]), str(one["name"]), str(one["kind"]), parent)
    whole = not filters.communes and scope.communes is None
    area = whole_area(conn, filters)
    _check_not_empty(frame, report, whole, communes, area)

    head = headline(conn, cut, scope).set_index("code")
    # The comparisons need totals only; the year to date also per commune (for the pace).
    last_year = _totals(conn, cut.with_period(report.same_period_last_year()), scope)
    previous = report.previous()
    before = _totals(conn, cut.with_period(previous), scope) if previous else None
    ytd_total, ytd_by_unit = indicator_values(conn, cut.with_period(report.year_to_date()), scope)
    return Gathered(
        report=report,
        version=filters.version,
        scope=scope,
        communes=communes,
        whole_district=whole,
        visible=[str(n) for n in visible["name"]],
        issuer=issuer,
        district=_district(conn, scope),
        issuing=report_issuer(conn, cut, scope),
        area=area,
        measures=frame,
        headline=head,
        last_year=last_year,
        previous=before,
        year_to_date=ytd_total,
        year_to_date_by_unit=ytd_by_unit,
        scorecard=commune_scorecard(conn, cut, scope),
        commune_targets=targets(conn, cut, scope, report.year),
        monthly=_monthly(conn, cut, scope, report),
        is_demo=is_demo_database(conn),
    )


def _district(conn: Connection, scope: Scope) -> str | None:
    """The district the scope lies in, named in the record-level (2023) catalogue.

    Records are kept under the 2023 units, whose parent is their district; a scope spread over
    several districts (or none recorded) has no one district name.
    """
    units = unit_catalogue(conn, VERSION_2023)
    if scope.communes is not None:
        units = units[units["code"].isin(sorted(scope.communes))]
    parents = {str(p) for p in units["parent_name"] if not pd.isna(p)}
    return parents.pop() if len(parents) == 1 else None


def _totals(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Every indicator's selection total (code, numerator, denominator, value)."""
    return indicator_values(conn, filters, scope, with_units=False)[0]


def _check_not_empty(
    frame: pd.DataFrame,
    report: ReportPeriod,
    whole: bool,
    communes: list[tuple[str, str]],
    area: Area,
) -> None:
    """Refuse a period in which nothing happened: an empty report would look like a real one."""
    if len(frame) and int(frame[list(FLOW_COLUMNS)].to_numpy().sum()) > 0:
        return
    one = communes[0][1] if len(communes) == 1 else None

    def message(lang: str) -> str:
        at = "" if whole else f" ({where(whole, one, lang, area)})"
        return T("empty", lang, period=report.label(lang), where=at)

    raise EmptyReportError(message("vi"), message("en"))


def _monthly(
    conn: Connection, filters: Filters, scope: Scope, report: ReportPeriod
) -> pd.DataFrame:
    """Allowance paid per month over the last TREND_MONTHS months ending with the period."""
    end = report.period.end
    window = filters.with_period(Period(add_months(end, 1 - TREND_MONTHS), end))
    paid = payouts.monthly(conn, window, scope)
    frame = pd.DataFrame(
        {
            "month": pd.to_datetime(paid["month"]),
            "paid_amount": paid["paid_amount"].astype("int64"),
        }
    )
    return frame[frame["paid_amount"] > 0].reset_index(drop=True)
