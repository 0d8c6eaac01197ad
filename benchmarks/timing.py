"""Timing the dashboard's path: cold and warm through a pickling cache, and the raw SQL it sent.

- cold: the first call for the filters on a new database connection (opened before the clock
  starts) with an empty cache — what the first user after a cache expiry waits for;
- warm: the second call for the same key through a cache that keeps pickled results, as
  ``st.cache_data`` does — what the user sees on the next view;
- raw: the SQL statements the dashboard sent (captured from the engine, bound parameters and
  all) executed and fetched through the DBAPI cursor alone — the database's share.
"""

from __future__ import annotations

import contextlib
import dataclasses
import pickle
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from data_access.errors import WelfareDataError
from data_access.filters import Filters, Scope
from data_access.overview import OverviewFigures

from .cases import Case, Query

SLOW_S = 5.0  # a case slower than this is timed once: a median of three would take minutes


@dataclass
class Timing:
    """One case in one mode (base tables or summaries): medians in seconds."""

    cold: float
    warm: float
    raw: float
    statements: int
    results: list[Any]
    cached_bytes: int
    frame_bytes: int


@dataclass
class Row:
    """One case's measurements across modes."""

    case: Case
    base: Timing | None = None
    summary: Timing | None = None
    naive: float | None = None
    naive_checked: str = ""


def ms_text(seconds: float | None) -> str:
    """Milliseconds as the table shows them: one decimal below 100 ms, "–" when not timed."""
    if seconds is None:
        return "–"
    ms = seconds * 1000
    return f"{ms:,.1f}" if ms < 100 else f"{ms:,.0f}"


class Memo:
    """Results kept pickled per (query, filters, scope), as st.cache_data keeps them."""

    def __init__(self) -> None:
        self.store: dict[tuple[str, Filters, Scope], bytes] = {}

    def call(self, key: str, fn: Query, conn: Connection | None, f: Filters, sc: Scope) -> Any:
        """The cached result, or ``fn``'s (stored pickled: a miss pays the pickling too)."""
        hit = self.store.get((key, f, sc))
        if hit is not None:
            return pickle.loads(hit)
        assert conn is not None, "a miss needs a connection"
        value = fn(conn, f, sc)
        self.store[(key, f, sc)] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        return value

    def nbytes(self) -> int:
        """Bytes held by the cached results."""
        return sum(len(v) for v in self.store.values())


class Recorder:
    """Captures every statement and its parameters as the engine hands them to the DBAPI."""

    def __init__(self, engine: Engine) -> None:
        self.statements: list[tuple[str, Any]] = []
        self.active = False
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if self.active:
            self.statements.append((statement, parameters))

    @contextlib.contextmanager
    def recording(self) -> Iterator[list[tuple[str, Any]]]:
        """Record the statements executed inside the block."""
        self.statements, self.active = [], True
        try:
            yield self.statements
        finally:
            self.active = False


def replay(engine: Engine, statements: list[tuple[str, Any]], repeat: int) -> float:
    """Median seconds to execute and fetch ``statements`` through a raw DBAPI cursor.

    Each repetition runs on a new connection, as the cold dashboard call does, so the ratio
    of the two is the cost of the Python layers (SQLAlchemy, pandas, caching) alone.
    """
    totals: list[float] = []
    for _ in range(repeat):
        engine.dispose()
        raw = engine.raw_connection()  # connecting is not timed
        try:
            total = 0.0
            for statement, parameters in statements:
                cursor = raw.cursor()
                started = time.perf_counter()
                cursor.execute(statement, parameters)
                if cursor.description is not None:
                    cursor.fetchall()
                total += time.perf_counter() - started
                cursor.close()
            raw.rollback()
        finally:
            raw.close()
        totals.append(total)
        if total > SLOW_S:
            break
    return statistics.median(totals)


def frame_bytes(value: Any) -> int:
    """Deep memory of a result (DataFrames, or tuples/dicts of them)."""
    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(deep=True).sum())
    if isinstance(value, (tuple, list)):
        return sum(frame_bytes(v) for v in value)
    if isinstance(value, dict):
        return sum(frame_bytes(v) for v in value.values())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(frame_bytes(getattr(value, f.name)) for f in dataclasses.fields(value))
    return sys.getsizeof(value)


def time_case(
    engine: Engine, recorder: Recorder, case: Case, f: Filters, sc: Scope, repeat: int
) -> Timing:
    """Cold and warm (median of ``repeat``, once when slow), and the first cold run's raw SQL."""
    colds, warms, captured, results, memo = [], [], [], [], Memo()
    for attempt in range(repeat):
        engine.dispose()  # a new connection: no prepared statements, no session caches
        memo = Memo()
        with engine.connect() as conn, recorder.recording() as recorded:
            started = time.perf_counter()
            results = [memo.call(key, fn, conn, f, sc) for key, fn in case.calls]
            colds.append(time.perf_counter() - started)
        if attempt == 0:
            captured = list(recorded)
        started = time.perf_counter()
        for key, fn in case.calls:
            memo.call(key, fn, None, f, sc)
        warms.append(time.perf_counter() - started)
        if colds[-1] > SLOW_S:
            break
    return Timing(
        cold=statistics.median(colds),
        warm=statistics.median(warms),
        raw=replay(engine, captured, len(colds)),
        statements=len(captured),
        results=results,
        cached_bytes=memo.nbytes(),
        frame_bytes=sum(frame_bytes(r) for r in results),
    )


def run_mode(
    engine: Engine,
    recorder: Recorder,
    todo: list[Case],
    f: Filters,
    sc: Scope,
    repeat: int,
    label: str,
) -> dict[str, Timing]:
    """Time every case in one mode, printing progress; cases the scope may not run (person
    lists refuse a scope without persons) are left out. Keyed by page/query."""
    timings = {}
    for case in todo:
        try:
            timing = time_case(engine, recorder, case, f, sc, repeat)
        except WelfareDataError as exc:
            print(f"  {label:<9} {case.key}: skipped ({exc})", file=sys.stderr)
            continue
        print(
            f"  {label:<9} {case.key}: cold {ms_text(timing.cold)} ms, "
            f"warm {ms_text(timing.warm)} ms, raw {ms_text(timing.raw)} ms",
            file=sys.stderr,
            flush=True,
        )
        timings[case.key] = timing
    return timings


def same_results(base: Timing, summary: Timing, case: Case) -> None:
    """The summary path must give exactly what the base tables give."""
    for a, b in zip(base.results, summary.results, strict=True):
        if isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b, obj=case.key)
        elif isinstance(a, tuple):
            for x, y in zip(a, b, strict=True):
                pd.testing.assert_frame_equal(x, y, obj=case.key)
        elif isinstance(a, OverviewFigures):
            assert a.headline is not None and b.headline is not None, case.key
            assert a.scorecard is not None and b.scorecard is not None, case.key
            pd.testing.assert_frame_equal(a.headline, b.headline, obj=case.key)
            pd.testing.assert_frame_equal(a.scorecard, b.scorecard, obj=case.key)
            assert a.attention == b.attention, case.key
        else:
            assert a == b, case.key  # attention alone, the way back up the tree


def paired_rows(todo: list[Case], base: dict[str, Timing], summary: dict[str, Timing]) -> list[Row]:
    """A row per case timed with summaries, its two results checked equal."""
    rows = []
    for case in todo:
        if case.key not in summary:
            continue
        row = Row(case, base.get(case.key), summary[case.key])
        if row.base is not None:
            same_results(row.base, summary[case.key], case)
        rows.append(row)
    return rows
