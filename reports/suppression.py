"""Small-count suppression for the public version ("Bản công khai") of the briefing documents.

A count of people or households from 1 to 4 is not published: it is shown as ``"<5"``
(*primary* suppression). A published total would let a reader subtract the shown cells and
recover a lone hidden one, so further cells are hidden as ``"x"`` (*secondary* suppression)
until no hidden cell can be worked out from what is shown — or, failing that, the total is
hidden too.

The reader this protects against sees the published table and knows the marker rules:
``"<5"`` is a value from 1 to 4, and in a column of counts of people ``"x"`` is a value of 5
or more (zeros are never hidden there, so the reader may assume it). Against that reader
every hidden cell, and every hidden total, keeps a range of at least two possible values
(the interval check in ``_unsafe``). A reader who also knows the exact order in which this
module picks secondary cells can sometimes narrow a range further; like τ-ARGUS's "protection
intervals", the guarantee is about the published figures, not the algorithm.

Tables here are small (one row per commune, one column per measure), so the check is exact
for each column's sum relation; columns are tied together only through ``reveals`` (a hidden
cell hides the cells of the same row that would give it away, e.g. the money paid beside a
hidden count of beneficiaries) and ``bounded_by`` (a percentage's numerator lies between 0
and its shown denominator).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

THRESHOLD = 5  # counts of 1–4 people are the usual floor for publishing (shown as "<5")
PRIMARY = "<5"
SECONDARY = "x"
INF = math.inf


@dataclass(frozen=True)
class Suppression:
    """Which cells of a table to hide, and with which marker (None: shown).

    ``cells`` has the table's index and columns; ``total`` maps each column to the marker of
    its total row (the sum over the rows for additive columns).
    """

    cells: pd.DataFrame
    total: dict[str, str | None]

    def marker(self, row: object, column: str) -> str | None:
        """The marker of one cell, or None when the cell is shown."""
        value = self.cells.at[row, column]
        return None if value is None or (isinstance(value, float) and math.isnan(value)) else value

    def hidden(self, row: object, column: str) -> bool:
        """True when the cell is suppressed."""
        return self.marker(row, column) is not None

    def total_hidden(self, column: str) -> bool:
        """True when the column's total is suppressed."""
        return self.total.get(column) is not None


def is_small(value: float, threshold: int = THRESHOLD) -> bool:
    """True for a count from 1 to ``threshold - 1`` (the values shown as "<5")."""
    return 0 < value < threshold


def _number(value: object) -> float:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 0.0
    return float(value)  # type: ignore[arg-type]


class _State:
    """The cells hidden so far, per column (row position -> marker), and per total."""

    def __init__(self, table: pd.DataFrame) -> None:
        self.rows = len(table)
        self.cells: dict[str, list[str | None]] = {c: [None] * self.rows for c in table.columns}
        self.total: dict[str, str | None] = dict.fromkeys(table.columns)
        self.withheld: set[str] = set()

    def hide(self, column: str, row: int | None, marker: str) -> bool:
        """Hide a cell (``row`` None: the total); True when something changed."""
        if row is None:
            if self.total[column] is None:
                self.total[column] = marker
                return True
            return False
        if self.cells[column][row] is None:
            self.cells[column][row] = marker
            return True
        return False

    def is_hidden(self, column: str, row: int | None) -> bool:
        return (self.total[column] if row is None else self.cells[column][row]) is not None


@dataclass(frozen=True)
class _Reader:
    """What a reader of the published table knows besides the shown cells: the markers'
    meaning (small cells, counts of people) and the ties between columns."""

    values: Mapping[str, list[float]]
    totals: Mapping[str, float]
    sensitive: set[str]
    virtual: set[str]
    bounded_by: Mapping[str, str]
    threshold: int


def suppress(
    table: pd.DataFrame,
    sensitive: Collection[str],
    *,
    additive: Collection[str] | None = None,
    virtual: Collection[str] = (),
    reveals: Mapping[str, Collection[str]] | None = None,
    bounded_by: Mapping[str, str] | None = None,
    threshold: int = THRESHOLD,
) -> Suppression:
    """Decide which cells of ``table`` the public version hides.

    :param table: one row per unit; numeric columns, values >= 0 (NaN allowed in
        non-additive columns such as percentages).
    :param sensitive: columns counting people or households: values 1..threshold-1 are hidden.
    :param additive: columns whose total row is the sum of the rows (default: every integer
        column); a shown total must not let a reader recover a hidden cell.
    :param virtual: columns that are not printed but can be derived from printed ones (e.g.
        the children *not* supported = cases - supported); they are protected like printed
        columns, and a reader only knows a hidden virtual cell lies in [0, its bound].
    :param reveals: column -> columns of the same row that would give it away; hiding a cell
        hides those too (in the rows and in the total). Targets must be virtual, not sensitive
        or not additive, so that a zero is never hidden in a printed count column.
    :param bounded_by: column -> the column whose same-row value bounds it from above
        (a numerator by its denominator).
    :param threshold: the smallest count that may be shown.
    :raises ValueError: a ``reveals`` target is a printed, additive, sensitive column, or a
        column name is unknown.
    """
    columns = list(table.columns)
    links = {k: list(v) for k, v in (reveals or {}).items()}
    additive_set = _additive(table, additive)
    values = {c: [_number(v) for v in table[c]] for c in columns}
    reader = _Reader(
        values,
        {c: sum(values[c]) for c in columns},
        set(sensitive),
        set(virtual),
        dict(bounded_by or {}),
        threshold,
    )
    _check(columns, reader, additive_set, links)
    state = _State(table)
    _hide_small(state, reader, additive_set)
    _hide_until_safe(state, reader, [c for c in columns if c in additive_set], links)
    index = table.index
    cells = pd.DataFrame(
        {c: pd.Series(state.cells[c], index=index, dtype=object) for c in columns}, index=index
    )
    return Suppression(cells, dict(state.total))


def _additive(table: pd.DataFrame, additive: Collection[str] | None) -> set[str]:
    """The columns whose total is the sum of the rows (default: every integer column)."""
    if additive is None:
        return {c for c in table.columns if pd.api.types.is_integer_dtype(table[c])}
    return set(additive)


def _check(
    columns: list[str], reader: _Reader, additive: set[str], reveals: Mapping[str, list[str]]
) -> None:
    """Refuse unknown column names, and a ``reveals`` target that is a printed count column."""
    named = reader.sensitive | reader.virtual | additive | set(reveals) | set(reader.bounded_by)
    named |= {t for ts in reveals.values() for t in ts} | set(reader.bounded_by.values())
    unknown = named - set(columns)
    if unknown:
        raise ValueError(f"unknown columns: {sorted(unknown)}")
    for source, targets in reveals.items():
        for target in targets:
            printed = target not in reader.virtual
            if target in reader.sensitive and target in additive and printed:
                raise ValueError(
                    f"{source!r} reveals {target!r}, a printed count column: hiding a zero "
                    "there would break the meaning of 'x'"
                )


def _hide_small(state: _State, reader: _Reader, additive: set[str]) -> None:
    """Primary suppression: every small count, in the rows and in the totals."""
    for column in reader.sensitive:
        for row, value in enumerate(reader.values[column]):
            if is_small(value, reader.threshold):
                state.hide(column, row, PRIMARY)
        if column in additive and is_small(reader.totals[column], reader.threshold):
            state.hide(column, None, PRIMARY)


def _hide_until_safe(
    state: _State, reader: _Reader, additive: list[str], reveals: Mapping[str, list[str]]
) -> None:
    """Secondary suppression: hide more, column by column, until no hidden cell can be pinned."""
    while True:
        _spread(state, reveals)
        unsafe = next((c for c in additive if _unsafe(c, state, reader)), None)
        if unsafe is None:
            return
        _protect(unsafe, state, reader.values, reader.sensitive, reader.virtual)


def _spread(state: _State, reveals: Mapping[str, Collection[str]]) -> None:
    """Hide, row by row and in the totals, whatever would give a hidden cell away."""
    changed = True
    while changed:
        changed = False
        for source, targets in reveals.items():
            for row in [*range(state.rows), None]:
                if state.is_hidden(source, row):
                    for target in targets:
                        changed |= state.hide(target, row, SECONDARY)


def _bounds(
    column: str, row: int | None, state: _State, reader: _Reader, follow: bool = True
) -> tuple[float, float]:
    """What a reader can tell about one cell: its exact value if shown, else a range.

    A hidden virtual cell lies below its ``bounded_by`` cell's upper bound (``follow``: one
    step only, the bound's own bound is not followed).
    """
    marker = state.total[column] if row is None else state.cells[column][row]
    value = reader.totals[column] if row is None else reader.values[column][row]
    if marker is None:
        return value, value
    if column in state.withheld:
        return 0.0, INF
    if column in reader.virtual:
        limit = reader.bounded_by.get(column) if follow else None
        if limit is None:
            return 0.0, INF
        return 0.0, _bounds(limit, row, state, reader, follow=False)[1]
    if marker == PRIMARY:
        return 1.0, float(reader.threshold - 1)
    if column in reader.sensitive:
        return float(reader.threshold), INF
    return 0.0, INF


def _unsafe(column: str, state: _State, reader: _Reader) -> bool:
    """True when a reader could pin a hidden cell (or hidden total) of ``column`` to one value.

    The column's cells sum to its total. Given the shown cells and the ranges of the hidden
    ones, each hidden cell's possible values are what the others leave of the total.
    """
    hidden = [r for r in range(state.rows) if state.cells[column][r] is not None]
    total_hidden = state.total[column] is not None
    if not hidden and not total_hidden:
        return False
    shown_sum = sum(reader.values[column][r] for r in range(state.rows) if r not in hidden)
    ranges = [_bounds(column, r, state, reader) for r in hidden]
    total = _bounds(column, None, state, reader)
    if _cell_pinned(ranges, total, shown_sum):
        return True
    return total_hidden and _total_pinned(ranges, total, shown_sum)


def _cell_pinned(
    ranges: list[tuple[float, float]], total: tuple[float, float], shown_sum: float
) -> bool:
    """True when what the other hidden cells leave of the total pins one hidden cell."""
    total_lo, total_hi = total
    # What the hidden cells add up to, as far as the reader can tell.
    rest_lo = max(total_lo - shown_sum, _sum(lo for lo, _ in ranges))
    rest_hi = min(total_hi - shown_sum, _sum(hi for _, hi in ranges))
    for i, (lo, hi) in enumerate(ranges):
        others = ranges[:i] + ranges[i + 1 :]
        cell_lo = max(lo, rest_lo - _sum(h for _, h in others))
        cell_hi = min(hi, rest_hi - _sum(lo_ for lo_, _ in others))
        if cell_lo >= cell_hi:
            return True
    return False


def _total_pinned(
    ranges: list[tuple[float, float]], total: tuple[float, float], shown_sum: float
) -> bool:
    """True when the shown cells and the hidden cells' ranges pin a hidden total."""
    total_lo, total_hi = total
    known_lo = max(total_lo, shown_sum + _sum(lo for lo, _ in ranges))
    known_hi = min(total_hi, shown_sum + _sum(hi for _, hi in ranges))
    return known_lo >= known_hi


def _sum(numbers: Iterable[float]) -> float:
    """A sum that stays infinite (never NaN) when a term is infinite."""
    items = list(numbers)
    return INF if any(math.isinf(x) for x in items) else float(sum(items))


def _protect(
    column: str,
    state: _State,
    values: Mapping[str, list[float]],
    sensitive: set[str],
    virtual: set[str],
) -> None:
    """Hide one more thing in ``column``: the smallest shown cell, else the total, else all.

    In a printed count column only non-zero cells are candidates (a hidden zero would read as
    "5 or more"); elsewhere a zero may be hidden as a last resort.
    """
    shown = [r for r in range(state.rows) if state.cells[column][r] is None]
    positive = [r for r in shown if values[column][r] > 0]
    zero_ok = column in virtual or column not in sensitive
    candidates = positive or (shown if zero_ok else [])
    if candidates:
        row = min(candidates, key=lambda r: (values[column][r], r))
        state.hide(column, row, SECONDARY)
        return
    if state.total[column] is None:
        state.hide(column, None, SECONDARY)
        return
    # Nothing left to hide that keeps the markers' meaning: withhold the whole column.
    state.withheld.add(column)
    for row in range(state.rows):
        state.cells[column][row] = SECONDARY
    state.total[column] = SECONDARY
