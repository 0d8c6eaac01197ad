"""The written briefing as tables of text and as charts, for the page and the Word report.

The Excel annex takes the numbers themselves (``reports.xlsx_annex``); these are the same
numbers formatted, with the public version's markers where cells are hidden.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from charts.common import bar_by_commune, by_month
from charts.formatting import fmt_int, fmt_money
from i18n import Catalog
from vocab import GRANT_KINDS

from .model import Briefing, Cell, Figure, Table
from .numbers import fmt_cell, fmt_change, fmt_number, unit_label

T = Catalog(
    "reports.briefing.layout",
    {
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
        "chart_coverage": (
            "Lượt người cao tuổi được khám, tư vấn sức khỏe",
            "Elderly health visits",
        ),
        "axis_coverage": ("Số lượt", "Visits"),
        "chart_housing": ("Hộ được hỗ trợ nhà ở", "Households granted housing support"),
        "axis_housing": ("Số hộ", "Households"),
        "chart_training": ("Học viên các lớp sơ cấp nghề", "Learners in vocational classes"),
        "axis_training": ("Học viên", "Learners"),
        "chart_payouts": (
            "Kinh phí chi trả trợ cấp xã hội theo tháng",
            "Social allowance paid per month",
        ),
        "axis_payouts": ("Kinh phí", "Paid"),
    },
)

# Each domain's chart: the messages of its title and of its value axis.
CHARTS = {
    "coverage": ("chart_coverage", "axis_coverage"),
    "housing": ("chart_housing", "axis_housing"),
    "training": ("chart_training", "axis_training"),
    "payouts": ("chart_payouts", "axis_payouts"),
}
# The table column a bar chart of communes draws (housing stacks two, payouts is by month).
BAR_COLUMN = {"coverage": "health_visits", "training": "learners"}
# The housing chart stacks new builds and repairs by their vocabulary codes, so they keep the
# colours and labels they have on the housing page.
HOUSING_KINDS = {"new_builds": "new", "repairs": "repair"}  # table column -> GRANT_KINDS code
CHART_NAME_LIMIT = 60  # characters of a commune name on a chart axis


# --- tables as text -------------------------------------------------------------------------


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
            T("versus", lang, label=report.previous_label(lang)),
            T("versus_year", lang, year=year - 1),
        ]
        last = T("year_to_date", lang, label=report.year_to_date_label(lang).lower())
    else:
        middle = [
            T("last_year_value", lang, year=year - 1),
            T("versus_year", lang, year=year - 1),
        ]
        last = T("share_of_target", lang)
    header = [
        T("indicator", lang),
        T("unit", lang),
        report.label(lang),
        *middle,
        T("target", lang, year=year),
        last,
    ]
    return header, [_headline_row(fig, briefing) for fig in briefing.figures.values()]


def _headline_row(fig: Figure, briefing: Briefing) -> list[str]:
    """One indicator: numbers without their noun, which the unit column gives once."""
    lang, report = briefing.lang, briefing.report

    def number(cell: Cell | None) -> str:
        return "—" if cell is None else fmt_cell(fig.unit, cell, lang)

    target = fmt_number(fig.unit, fig.target, lang) if fig.target is not None else "—"
    if fig.unit == "percent":
        judged = {True: T("met", lang), False: T("below", lang)}.get(fig.meets_target)  # type: ignore[arg-type]
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
    return [fig.label(lang), unit_label(fig, lang), number(fig.value), *middle, target, last]


def table_rows(
    table: Table, lang: str, keys: Sequence[str] | None = None
) -> tuple[list[str], list[list[str]]]:
    """A domain table as text: header, then a row per commune and the total row.

    ``keys`` picks and orders columns (those missing from the table, e.g. withheld in the public
    version, are skipped); default: every column.
    """
    chosen = [c for c in table.columns if keys is None or c.key in keys]
    if keys is not None:
        chosen.sort(key=lambda c: list(keys).index(c.key))
    header = [T("commune", lang), *(c.label for c in chosen)]
    rows = [
        [row.name, *(fmt_cell(c.unit, row.cells[c.key], lang) for c in chosen)]
        for row in [*table.rows, table.total]
    ]
    return header, rows


# --- charts -------------------------------------------------------------------------------


def chart_name(name: str) -> str:
    """A commune's name as a chart axis shows it: at most CHART_NAME_LIMIT characters (the
    table beside the chart gives it in full). A stored name of thousands of characters made
    the Word report's chart images take seconds each to draw (issue 18)."""
    if len(name) <= CHART_NAME_LIMIT:
        return name
    return name[: CHART_NAME_LIMIT - 1].rstrip() + "…"


def chart_frame(briefing: Briefing, domain: str) -> pd.DataFrame:
    """The data behind a section's chart: shown cells only (a hidden cell is never drawn)."""
    table = briefing.section(domain).table
    if domain == "payouts":
        return briefing.monthly.copy()
    if domain == "housing":
        rows = [
            {
                "unit_code": row.code,
                "unit_name": chart_name(row.name),
                "kind": kind,
                "value": row.cells[key].value,
            }
            for row in table.rows
            for key, kind in HOUSING_KINDS.items()
            if row.cells[key].shown and row.cells[key].value
        ]
        return pd.DataFrame(rows, columns=["unit_code", "unit_name", "kind", "value"])
    key = BAR_COLUMN[domain]
    rows = [
        {"unit_code": row.code, "unit_name": chart_name(row.name), "value": row.cells[key].value}
        for row in table.rows
        if row.cells[key].shown and row.cells[key].value
    ]
    return pd.DataFrame(rows, columns=["unit_code", "unit_name", "value"])


def section_chart(briefing: Briefing, domain: str) -> alt.Chart | alt.LayerChart | None:
    """The chart that matters for a domain, built with charts.common; None when nothing to draw."""
    lang = briefing.lang
    frame = chart_frame(briefing, domain)
    if frame.empty or (domain != "payouts" and len(briefing.communes) < 2):
        return None  # nothing to draw, or one commune's single bar: the table says it better
    title_key, axis_key = CHARTS[domain]
    title, axis = T(title_key, lang), T(axis_key, lang)
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
    kind = (
        {"color": "kind", "color_title": "", "categories": GRANT_KINDS}
        if domain == "housing"
        else {}
    )
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
