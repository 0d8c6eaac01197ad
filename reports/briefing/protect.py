"""Protect: the gathered figures as one edition publishes them.

The internal edition shows every number. The public edition ("Bản công khai") hides small
counts of people or households and whatever would give them away (``reports.suppression``),
before anything is written, so no renderer can leak them: a hidden cell carries its marker
("<5", "x") instead of being shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from data_access.indicators import INDICATORS, Indicator

from ..suppression import PRIMARY, SECONDARY, is_small, suppress
from .domains import DOMAINS, MONEY_LINKS, SENSITIVE_CODES, TABLES, Spec
from .gather import Gathered
from .lags import Finding, find_lags
from .model import Cell, Figure, Grid, Row
from .periods import ReportPeriod

# {code: (value, numerator, denominator)} of one period's indicator totals.
Values = dict[str, tuple[float | None, float, float | None]]


@dataclass(frozen=True)
class Protected:
    """One edition of the gathered figures: every cell it may not show carries its marker."""

    gathered: Gathered
    public: bool
    grids: dict[str, Grid]
    figures: dict[str, Figure]
    lags: list[Finding]

    @property
    def report(self) -> ReportPeriod:
        """The period reported on."""
        return self.gathered.report


def protect(gathered: Gathered, public: bool = False) -> Protected:
    """The internal edition (``public=False``) or the public one of ``gathered``."""
    grids = {d: _grid(d, gathered.measures, public) for d in DOMAINS}
    figures = _figures(gathered, grids, public)
    return Protected(gathered, public, grids, figures, find_lags(gathered, grids, public))


# --- domain tables ------------------------------------------------------------------------


@dataclass
class _Prepared:
    """A domain's columns ready for suppression, and how they give each other away.

    The ratios' numerators and denominators, and what a reader can derive from them (the
    people *not* covered), take part in suppression even when they are not printed.
    """

    data: pd.DataFrame
    sensitive: set[str]
    virtual: set[str] = field(default_factory=set)  # suppressed along, never printed
    reveals: dict[str, set[str]] = field(default_factory=dict)  # hidden a -> hide b too
    bounded_by: dict[str, str] = field(default_factory=dict)  # numerator -> its denominator

    def reveal(self, source: str, target: str) -> None:
        """Hiding ``source`` hides ``target`` of the same row too."""
        self.reveals.setdefault(source, set()).add(target)


def _ratio(numerator: float, denominator: float) -> float | None:
    """A percentage as a fraction; None over nothing (no one to cover)."""
    return numerator / denominator if denominator else None


def _prepare(specs: list[Spec], frame: pd.DataFrame) -> _Prepared:
    """The plain columns, then each percentage with its parts, then the money links."""
    plain = [s for s in specs if s.ratio is None]
    data = pd.DataFrame(index=range(len(frame)))
    for spec in plain:
        data[spec.key] = frame[spec.key].astype("int64").to_numpy()
    prepared = _Prepared(data, {s.key for s in plain if s.sensitive})
    for spec in specs:
        if spec.ratio is not None:
            _add_ratio(prepared, spec.key, spec.ratio, frame)
    for spec in plain:
        if spec.unit == "money":
            for code in MONEY_LINKS.get(spec.indicator or "", ()):
                source = next(s.key for s in plain if s.indicator == code)
                prepared.reveal(source, spec.key)
    return prepared


def _add_ratio(prepared: _Prepared, key: str, ratio: tuple[str, str], frame: pd.DataFrame) -> None:
    """A percentage column, its parts (unprinted ones as virtual) and what reveals what."""
    num, den = ratio
    rest = f"{num}__rest"
    data = prepared.data
    for column in (num, den):
        if column not in data:
            data[column] = frame[column].astype("int64").to_numpy()
            prepared.virtual.add(column)
    data[rest] = (frame[den] - frame[num]).astype("int64").to_numpy()
    data[key] = [_ratio(n, d) for n, d in zip(frame[num], frame[den], strict=True)]
    prepared.virtual.add(rest)
    if den in prepared.sensitive:
        prepared.sensitive |= {num, rest}
        # A percentage with its denominator gives the numerator and the rest, and back.
        for source in (den, num, rest):
            prepared.reveal(source, key)
        prepared.reveals.setdefault(key, set()).update({num, rest})
        prepared.bounded_by[num] = prepared.bounded_by[rest] = den


def _totals(data: pd.DataFrame, specs: list[Spec], additive: list[str]) -> dict[str, float | None]:
    """The total row: sums of the additive columns, each percentage from its summed parts."""
    sums = {c: float(data[c].sum()) for c in additive}
    totals: dict[str, float | None] = dict(sums)
    for spec in specs:
        if spec.ratio is not None:
            num, den = spec.ratio
            totals[spec.key] = _ratio(sums[num], sums[den])
    return totals


def _cell(value: object, marker: object) -> Cell:
    """A published cell from a frame's value (NaN: no value) and its marker (NaN: shown)."""
    number = None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]
    return Cell(number, marker if isinstance(marker, str) else None)


def _markers(
    prepared: _Prepared, additive: list[str], public: bool
) -> tuple[pd.DataFrame, dict[str, str | None]]:
    """The markers of the cells and of the total row: none in the internal edition."""
    data = prepared.data
    if not public:
        none = pd.DataFrame(None, index=data.index, columns=data.columns, dtype=object)
        return none, dict.fromkeys(data.columns)
    protection = suppress(
        data,
        prepared.sensitive,
        additive=additive,
        virtual=prepared.virtual,
        reveals=prepared.reveals,
        bounded_by=prepared.bounded_by,
    )
    return protection.cells, protection.total


def _grid(domain: str, frame: pd.DataFrame, public: bool) -> Grid:
    """One domain's rows from the per-commune measures, suppressed in the public edition."""
    specs = TABLES[domain]
    prepared = _prepare(specs, frame)
    data = prepared.data
    printed = [s for s in specs if s.public or not public]
    shown = {s.key for s in printed}
    prepared.virtual.update(s.key for s in specs if s.key in data and s.key not in shown)
    ratios = {s.key for s in specs if s.ratio is not None}
    additive = [c for c in data.columns if c not in ratios]
    totals = _totals(data, specs, additive)
    markers, total_markers = _markers(prepared, additive, public)
    rows = [
        Row(
            str(code),
            str(name),
            {s.key: _cell(data.at[i, s.key], markers.at[i, s.key]) for s in printed},
        )
        for i, (code, name) in enumerate(zip(frame["code"], frame["name"], strict=True))
    ]
    total = {s.key: _cell(totals[s.key], total_markers[s.key]) for s in printed}
    return Grid(domain, printed, rows, total)


# --- headline figures ---------------------------------------------------------------------


def _values(total: pd.DataFrame) -> Values:
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


def _period_cells(values: Values, public: bool) -> dict[str, Cell]:
    """Cells of every indicator for one comparison period (previous, last year, year to date)."""
    cells: dict[str, Cell] = {}
    for ind in INDICATORS:  # counts before the money that depends on them
        value, num, den = values[ind.code]
        hidden = {c for c, cell in cells.items() if not cell.shown}
        cells[ind.code] = _district_cell(ind, value, num, den, public, hidden)
    return cells


def _current_cells(now: Values, grids: dict[str, Grid], public: bool) -> dict[str, Cell]:
    """The period's own cells: they appear again as the tables' totals, with the same markers."""
    cells = _period_cells(now, public)
    for grid in grids.values():
        for spec in grid.specs:
            marker = grid.total[spec.key].marker
            if spec.indicator and marker is not None:
                cells[spec.indicator] = Cell(now[spec.indicator][0], marker)
    if public:
        for code, counts in MONEY_LINKS.items():
            if any(not cells[c].shown for c in counts):
                cells[code] = Cell(now[code][0], SECONDARY)
    return cells


def _figures(gathered: Gathered, grids: dict[str, Grid], public: bool) -> dict[str, Figure]:
    """Headline figures; in the public version the period's own value follows its table total."""
    report, head = gathered.report, gathered.headline
    last_year = _period_cells(_values(gathered.last_year), public)
    previous = (
        _period_cells(_values(gathered.previous), public) if gathered.previous is not None else None
    )
    now_values = _values(head.reset_index())
    now = _current_cells(now_values, grids, public)
    to_date = None
    if report.kind == "quarter":
        to_date = _period_cells(_values(gathered.year_to_date), public)
        if public:
            to_date = _protect_year_to_date(gathered, now, previous, to_date)
    figures = {}
    for ind in INDICATORS:
        row = head.loc[ind.code]
        _, num, den = now_values[ind.code]
        part = SECONDARY if public and ind.code in SENSITIVE_CODES and den is not None else None
        meets = row["meets_target"]
        figures[ind.code] = Figure(
            code=ind.code,
            unit=ind.unit,
            domain=ind.domain,
            value=now[ind.code],
            numerator=Cell(num, part),
            denominator=None if den is None else Cell(den, part),
            previous=previous[ind.code] if previous is not None else None,
            last_year=last_year[ind.code],
            year_to_date=to_date[ind.code] if to_date is not None else None,
            target=None if pd.isna(row["target"]) else float(row["target"]),
            meets_target=None if meets is None or pd.isna(meets) else bool(meets),
            higher_is_better=ind.higher_is_better,
        )
    return figures


def _protect_year_to_date(
    gathered: Gathered,
    now: dict[str, Cell],
    previous: dict[str, Cell] | None,
    ytd: dict[str, Cell],
) -> dict[str, Cell]:
    """Keep the year to date from giving a hidden quarter away.

    In Quý I the year to date *is* the quarter, so it takes the quarter's markers; in Quý II it
    is the previous quarter plus this one, so it is hidden when either of them is.
    """
    report = gathered.report
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
