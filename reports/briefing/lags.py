"""The communes that lag: which ones (by the rules below, per edition) and how each is described.

- a percentage: communes below the district's target (the data layer's scorecard);
- a count with commune targets: communes whose year to date is below the pro-rata share of
  their annual target (after 9 months, 9/12 of it);
- any other count or money: the LOWEST_N lowest communes (ties included), when there are
  more communes than that to compare.

Only indicators where higher is better are ranked. In the public edition a hidden cell is
never ranked or listed, and a commune's year-to-date count is not printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from charts.formatting import fmt_int, fmt_percent
from data_access.filters import VERSION_2023
from data_access.indicators import BY_CODE, INDICATORS, Indicator
from i18n import Catalog

from ..suppression import SECONDARY, is_small
from .domains import SENSITIVE_CODES
from .gather import Gathered
from .model import Cell, Grid, Lag
from .numbers import fmt_number, unit_word

LOWEST_N = 3  # a third of the district's nine communes: enough to act on, few enough to read

T = Catalog(
    "reports.briefing.lags",
    {
        "below_target": ("Thấp hơn chỉ tiêu", "Below target"),
        "behind_schedule": ("Chậm so với tiến độ kế hoạch năm", "Behind the annual plan's pace"),
        "lowest": ("Kết quả thấp nhất", "Lowest results"),
        "below": ("{value}, chỉ tiêu {target}", "{value}, target {target}"),
        "behind": (
            "lũy kế đạt {share} kế hoạch năm, tiến độ cần đạt {pace}",
            "{share} of the annual target, {pace} expected by now",
        ),
        "behind_counts": (
            "lũy kế {reached}, đạt {share} kế hoạch năm, tiến độ cần đạt {pace}",
            "{reached} to date, {share} of the annual target, {pace} expected by now",
        ),
    },
)


@dataclass(frozen=True)
class Lagging:
    """One commune that lags, with the numbers that say how far."""

    name: str
    value: float
    target: float | None = None  # the district's target (a percentage) or the commune's own
    share: float | None = None  # behind schedule: the year to date as a share of the target
    pace: float | None = None  # behind schedule: the share expected by now


@dataclass(frozen=True)
class Finding:
    """The communes that lag on one indicator, by one rule (language-free)."""

    code: str
    rule: str  # below_target / behind_schedule / lowest
    communes: list[Lagging]
    counts: bool = True  # print a commune's year-to-date count (not in the public edition)


def find_lags(gathered: Gathered, grids: dict[str, Grid], public: bool) -> list[Finding]:
    """The communes that lag on each indicator where higher is better, in registry order."""
    cells = _commune_cells(grids)
    # A value the tables do not print (the public version's withheld money) is not listed.
    unprinted = Cell(None, SECONDARY) if public else None
    findings = []
    for ind in INDICATORS:
        if not ind.higher_is_better:
            continue
        rows = gathered.scorecard[gathered.scorecard["code"] == ind.code]
        shown = [
            r
            for r in rows.itertuples(index=False)
            if r.value is not None
            and cells.get((ind.code, r.unit_code), unprinted or Cell(r.value)).shown
        ]
        finding = _finding(ind, gathered, rows, shown, public)
        if finding is not None and finding.communes:
            findings.append(finding)
    return findings


def _finding(
    ind: Indicator, gathered: Gathered, rows: pd.DataFrame, shown: list[Any], public: bool
) -> Finding | None:
    """The rule that applies to ``ind`` and the communes it lists (None: nothing to rank)."""
    if ind.unit == "percent":
        below = [r for r in shown if r.meets_target is False]
        below.sort(key=lambda r: (r.value, r.unit_name))
        return Finding(
            ind.code, "below_target", [Lagging(str(r.unit_name), r.value, r.target) for r in below]
        )
    targets = gathered.commune_targets
    own = targets[targets["code"] == ind.code].dropna(subset=["unit_id"])
    if len(own) and gathered.version == VERSION_2023:
        behind = _behind(ind, own, gathered, public)
        return Finding(ind.code, "behind_schedule", behind, counts=not public)
    if len(rows) <= LOWEST_N:
        return None
    ranked = sorted(shown, key=lambda r: (r.value, r.unit_name))
    if not ranked:
        return None
    cutoff = ranked[min(LOWEST_N, len(ranked)) - 1].value
    lowest = [r for r in ranked if r.value <= cutoff]
    if len(lowest) > len(rows) / 2:
        return None  # most communes tie at the bottom (often at 0): nobody stands out
    return Finding(ind.code, "lowest", [Lagging(str(r.unit_name), r.value) for r in lowest])


def _behind(ind: Indicator, own: pd.DataFrame, gathered: Gathered, public: bool) -> list[Lagging]:
    """Communes whose year to date is below months_done/12 of their own annual target."""
    goal = dict(zip(own["unit_id"].astype(int), own["value"], strict=True))
    pace = gathered.report.year_to_date().month_count / 12
    by_unit = gathered.year_to_date_by_unit
    out = []
    for r in by_unit[by_unit["code"] == ind.code].itertuples(index=False):
        target, value = goal.get(int(r.unit_id)), float(r.numerator)
        if not target or (public and ind.code in SENSITIVE_CODES and is_small(value)):
            continue
        share = value / float(target)
        if share < pace:
            out.append(Lagging(str(r.unit_name), value, float(target), share, pace))
    return sorted(out, key=lambda c: c.name)


def _commune_cells(grids: dict[str, Grid]) -> dict[tuple[str, str], Cell]:
    """{(indicator code, commune code): cell} of every indicator column of the tables."""
    out = {}
    for grid in grids.values():
        for spec in grid.specs:
            if spec.indicator:
                for row in grid.rows:
                    out[(spec.indicator, str(row.code))] = row.cells[spec.key]
    return out


# --- in words ---------------------------------------------------------------------------------


def describe(finding: Finding, lang: str) -> Lag:
    """A finding as the briefing lists it: the indicator, the rule, each commune and why."""
    ind = BY_CODE[finding.code]
    communes = [(c.name, _detail(ind, finding, c, lang)) for c in finding.communes]
    return Lag(ind.code, ind.label(lang), ind.domain, finding.rule, T(finding.rule, lang), communes)


def _detail(ind: Indicator, finding: Finding, commune: Lagging, lang: str) -> str:
    """ "92,3%, chỉ tiêu 100%"; "lũy kế 140/226 lượt, đạt 61,9% kế hoạch năm, …"; "0 hộ"."""
    if finding.rule == "below_target":
        value = fmt_number("percent", commune.value, lang)
        return T("below", lang, value=value, target=fmt_number("percent", commune.target, lang))
    if finding.rule == "behind_schedule":
        return _behind_text(ind, commune, lang, finding.counts)
    return fmt_number(ind.unit, commune.value, lang, unit_word(ind, lang))


def _behind_text(ind: Indicator, commune: Lagging, lang: str, counts: bool) -> str:
    """ "lũy kế 140/226 lượt, đạt 61,9% kế hoạch năm, tiến độ cần đạt 75%".

    ``counts=False`` (public version) gives only the shares: a commune's year-to-date count is
    printed nowhere else, and with the quarter's it would give the earlier months away.
    """
    share, pace = fmt_percent(commune.share, 1, lang), fmt_percent(commune.pace, 1, lang)
    if not counts:
        return T("behind", lang, share=share, pace=pace)
    word = unit_word(ind, lang, commune.target)
    reached = f"{fmt_int(commune.value, lang)}/{fmt_number(ind.unit, commune.target, lang, word)}"
    return T("behind_counts", lang, reached=reached, share=share, pace=pace)
