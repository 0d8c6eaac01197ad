"""Time every page's queries at scale N, four ways, in one run (issue 8).

    python -m benchmarks.run --scale N [--engine sqlite|postgresql] [--url URL] [--repeat R]
                             [--no-build | --build-only] [--skip-naive] [--keep]

Builds the demo at scale N (N copies of the district) into a SQLite file under /tmp, into
``--url``, or — ``--engine postgresql`` without a URL — into a private PostgreSQL server started
for the run and removed after it. Then, for the overview (``indicators.headline`` +
``indicators.commune_scorecard``), each measure group of ``queries.MEASURES`` and each public
``(conn, filters, scope)`` query of the page modules, with the filters a district leader opens
first (every commune, the data's latest year):

- cold: the first call for the filters on a new database connection (opened before the clock
  starts) with an empty cache — what the first user after a cache expiry waits for;
- warm: the second call for the same key through a cache that keeps pickled results, as
  ``st.cache_data`` does — what the user sees on the next view;
- both without summary tables, then after ``summaries.refresh`` with them (the two results are
  checked equal);
- raw: the SQL statements the dashboard sent (captured from the engine, bound parameters and
  all) executed and fetched through the DBAPI cursor alone — the database's share;
- naive: ``pd.read_sql`` of the record-level rows of the tables involved, with only the period in
  the WHERE, grouped and counted in pandas, as a typical Streamlit app does; its numbers are
  checked equal to the dashboard's before its time is reported.

Prints a table (ms; naive/dashboard and dashboard/raw use the cold time with summaries), writes
it as CSV to ``benchmarks/results/``, and reports the build and refresh times, the peak RSS of
this process (before and after the naive path, which alone loads record-level rows) and of the
build, and the cache a session adds (pickled results, as st.cache_data stores them).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gc
import importlib
import inspect
import math
import multiprocessing
import os
import pickle
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from data_access import queries, summaries
from data_access import schema as s
from data_access.db import make_engine, parse_url, shown
from data_access.demo import build_demo
from data_access.errors import WelfareDataError
from data_access.filters import VERSION_DATES, Filters, Period, Scope, month_end
from data_access.indicators import INDICATORS, commune_scorecard, headline

RESULTS = Path(__file__).resolve().parent / "results"
PAGE_MODULES = ("coverage", "housing", "training", "payouts")  # data_access modules of pages
TARGET_COLD_MS = 1000.0  # issue 8: every page's queries under 1 s cold …
TARGET_WARM_MS = 50.0  # … and 50 ms warm, at scale 30 (SQLite) and 700 (PostgreSQL)
TARGET_NAIVE_RATIO = 20.0  # at national scale, at least 20× faster than the naive path …
TARGET_RAW_RATIO = 1.5  # … and within 1,5× of the raw SQL
TARGET_SESSION_MB = 150.0
NATIONAL_SCALE = 700
SLOW_S = 5.0  # a case slower than this is timed once: a median of three would take minutes

Query = Callable[[Connection, Filters, Scope], Any]


@dataclass
class Case:
    """One row of the table: a page's queries, called in order as the page calls them."""

    page: str
    query: str
    calls: list[tuple[str, Query]]
    naive_groups: list[str] = field(default_factory=list)  # measure groups the naive path computes


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


# --- the cache and the recorder -----------------------------------------------------------


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


# --- the naive path -----------------------------------------------------------------------


def _read(conn: Connection, sql: str, **params: Any) -> pd.DataFrame:
    """``pd.read_sql`` of a plain SQL text, dates bound as dates."""
    stmt = sa.text(sql).bindparams(
        *(
            sa.bindparam(k, v, type_=sa.Date() if isinstance(v, date) else None)
            for k, v in params.items()
        )
    )
    return pd.read_sql(stmt, conn)


def _day(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values)


class Naive:
    """What a typical Streamlit app does: read the record-level rows, group in pandas.

    Only the whole selection is supported (every commune, no scope limit), which is the case
    the benchmark times; each measure group reads its own tables, as a page would.
    """

    def __init__(self, conn: Connection, filters: Filters) -> None:
        assert not filters.communes, "the naive path is timed for every commune"
        self.conn, self.period = conn, filters.period
        latest = _read(conn, "SELECT max(month) AS m FROM allowance_payment")["m"].iloc[0]
        as_of = None if latest is None else month_end(_day(pd.Series([latest]))[0].date())
        self.ref = queries.reference_date(filters.period, as_of)
        on = pd.Timestamp(VERSION_DATES[filters.version])
        units = _read(conn, "SELECT * FROM admin_unit")
        succession = _read(conn, "SELECT * FROM admin_unit_succession")
        valid = (_day(units["valid_from"]) <= on) & (
            units["valid_to"].isna() | (_day(units["valid_to"]) >= on)
        )
        communes = units[units["kind"].isin(s.COMMUNE_KINDS) & valid].sort_values("code")
        rolled = succession[
            (_day(succession["effective"]) <= on)
            & succession["new_unit_id"].isin(set(units.loc[valid, "id"]))
        ]
        self.map = pd.concat(
            [
                pd.DataFrame({"base_id": communes["id"], "unit_id": communes["id"]}),
                pd.DataFrame({"base_id": rolled["old_unit_id"], "unit_id": rolled["new_unit_id"]}),
            ]
        )
        self.catalogue = pd.DataFrame({"unit_id": communes["id"].to_numpy()})
        self.units = units

    def by_unit(self, rows: pd.DataFrame, **aggregates: tuple[str, str]) -> pd.DataFrame:
        """Roll record rows up to the version's units; every unit gets a row (zeros)."""
        merged = rows.merge(self.map, left_on="admin_unit_id", right_on="base_id")
        out = merged.groupby("unit_id").agg(**aggregates).reset_index()
        frame = self.catalogue.merge(out, on="unit_id", how="left")
        names = list(aggregates)
        frame[names] = frame[names].fillna(0).astype("int64")
        return frame

    def group(self, name: str) -> pd.DataFrame:
        """unit_id and the group's measure columns, computed in pandas."""
        return getattr(self, name)()

    def health_visits(self) -> pd.DataFrame:
        h = _read(
            self.conn,
            "SELECT * FROM health_check WHERE check_date BETWEEN :a AND :b",
            a=self.period.start,
            b=self.period.end_date,
        )
        h = h[h["kind"].isin(queries.ELDERLY_CHECK_KINDS)].assign(
            med=lambda d: d["free_medicine"].astype(bool)
        )
        return self.by_unit(h, health_visits=("id", "count"), visits_with_medicine=("med", "sum"))

    def housing(self) -> pd.DataFrame:
        g = _read(
            self.conn,
            "SELECT * FROM housing_grant WHERE approved_on BETWEEN :a AND :b",
            a=self.period.start,
            b=self.period.end_date,
        )
        g = g.assign(
            new=g["kind"] == "new",
            repair=g["kind"] == "repair",
            soc=g["amount_vnd"].where(g["funding_source"] == "socialised", 0),
            done=g["status"] == "completed",
        )
        return self.by_unit(
            g,
            new_builds=("new", "sum"),
            repairs=("repair", "sum"),
            grant_amount=("amount_vnd", "sum"),
            socialised_amount=("soc", "sum"),
            grants_completed=("done", "sum"),
        )

    def job_events(self) -> pd.DataFrame:
        e = _read(
            self.conn,
            "SELECT * FROM job_event WHERE event_date BETWEEN :a AND :b",
            a=self.period.start,
            b=self.period.end_date,
        )
        e = e.assign(fair=e["kind"].isin(queries.JOB_FAIR_KINDS), rec=e["kind"] == "recruitment")
        return self.by_unit(
            e,
            job_fairs=("fair", "sum"),
            recruitment_events=("rec", "sum"),
            event_attendees=("attendees", "sum"),
        )

    def training(self) -> pd.DataFrame:
        window = {"a": self.period.start, "b": self.period.end_date}
        classes = _read(
            self.conn, "SELECT * FROM vocational_class WHERE start_date BETWEEN :a AND :b", **window
        )
        enrolments = _read(
            self.conn,
            "SELECT * FROM enrolment WHERE class_id IN "
            "(SELECT id FROM vocational_class WHERE start_date BETWEEN :a AND :b)",
            **window,
        )
        per_class = (
            enrolments.assign(done=enrolments["completed"].astype(bool))
            .groupby("class_id")
            .agg(n=("id", "count"), d=("done", "sum"))
            .reset_index()
        )
        c = classes.merge(per_class, left_on="id", right_on="class_id", how="left")
        c = c.assign(
            n=c["n"].fillna(0),
            d=c["d"].fillna(0),
            non_agri=c["field"] == "non_agri",
            agri=c["field"] == "agri",
        )
        return self.by_unit(
            c,
            classes=("id", "count"),
            classes_non_agri=("non_agri", "sum"),
            classes_agri=("agri", "sum"),
            learners=("n", "sum"),
            learners_completed=("d", "sum"),
        )

    def payouts(self) -> pd.DataFrame:
        p = _read(
            self.conn,
            "SELECT * FROM allowance_payment WHERE month BETWEEN :a AND :b",
            a=self.period.start,
            b=self.period.end,
        )
        p = p[p["status"] == "paid"]
        return self.by_unit(p, paid_amount=("amount_vnd", "sum"), payments=("id", "count"))

    def allowance_active(self) -> pd.DataFrame:
        month = self.ref.replace(day=1)
        b = _read(self.conn, "SELECT * FROM allowance_beneficiary WHERE start_month <= :m", m=month)
        b = b[b["end_month"].isna() | (_day(b["end_month"]) >= pd.Timestamp(month))]
        b = b.assign(bank=b["payment_method"] == "bank")
        return self.by_unit(b, beneficiaries=("id", "count"), beneficiaries_bank=("bank", "sum"))

    def elderly_bhyt(self) -> pd.DataFrame:
        ref = pd.Timestamp(self.ref)
        born_by = queries.years_before(self.ref, queries.ELDERLY_AGE)
        p = _read(self.conn, "SELECT * FROM person WHERE birth_date <= :b", b=born_by)
        p = p[p["died_on"].isna() | (_day(p["died_on"]) > ref)]
        cards = _read(
            self.conn,
            "SELECT * FROM health_insurance_card WHERE valid_from <= :r AND valid_to >= :r",
            r=self.ref,
        )
        covered = set(
            cards.loc[cards["funding"].isin(queries.STATE_SUPPORTED_FUNDING), "person_id"]
        )
        p = p.assign(cov=p["id"].isin(covered))
        return self.by_unit(p, elderly=("id", "count"), elderly_covered=("cov", "sum"))

    def children(self) -> pd.DataFrame:
        ref = pd.Timestamp(self.ref)
        k = _read(
            self.conn,
            "SELECT * FROM child_case WHERE opened_on <= :e",
            e=min(self.period.end_date, self.ref),
        )
        k = k[k["closed_on"].isna() | (_day(k["closed_on"]) >= pd.Timestamp(self.period.start))]
        supported = k["supported_on"].notna() & (_day(k["supported_on"]) <= ref)
        special, at_risk = k["circumstance"] == "special", k["circumstance"] == "at_risk"
        k = k.assign(sp=special, sps=special & supported, ar=at_risk, ars=at_risk & supported)
        return self.by_unit(
            k,
            special_cases=("sp", "sum"),
            special_supported=("sps", "sum"),
            at_risk_cases=("ar", "sum"),
            at_risk_supported=("ars", "sum"),
        )

    def boards(self) -> pd.DataFrame:
        ref = pd.Timestamp(self.ref)
        u = self.units
        boards = _read(self.conn, "SELECT * FROM child_protection_board")
        with_board = set(boards.loc[_day(boards["established_on"]) <= ref, "admin_unit_id"])
        valid = (_day(u["valid_from"]) <= ref) & (
            u["valid_to"].isna() | (_day(u["valid_to"]) >= ref)
        )
        c = u[u["kind"].isin(s.COMMUNE_KINDS) & valid]
        c = c.assign(admin_unit_id=c["id"], board=c["id"].isin(with_board))
        return self.by_unit(c, communes=("id", "count"), communes_with_board=("board", "sum"))

    def villages(self) -> pd.DataFrame:
        v = _read(self.conn, "SELECT * FROM village")
        since = v["child_collaborator_since"]
        v = v.assign(col=since.notna() & (_day(since) <= pd.Timestamp(self.ref)))
        return self.by_unit(v, villages=("id", "count"), villages_with_collaborator=("col", "sum"))


def naive_groups(
    conn: Connection, filters: Filters, groups: list[str]
) -> tuple[dict[str, pd.DataFrame], dict[str, float]]:
    """Every group of ``groups`` the naive way, each reading its own rows: (frames, seconds)."""
    frames, seconds = {}, {}
    for group in groups:
        gc.collect()  # one group's rows at a time, as a page holds them
        started = time.perf_counter()
        frames[group] = Naive(conn, filters).group(group)
        seconds[group] = time.perf_counter() - started
        print(
            f"  naive     {group} {filters.period.start:%Y}: {_ms(seconds[group])} ms",
            file=sys.stderr,
            flush=True,
        )
    return frames, seconds


def check_naive(case: Case, naive: dict[str, pd.DataFrame], dashboard: list[Any]) -> str:
    """Assert the naive numbers are the dashboard's; say what was compared.

    :raises AssertionError: a measure differs (the comparison would not be honest).
    """
    if case.page == "overview":
        head = dashboard[0]
        for ind in INDICATORS:
            part = naive[ind.group]
            row = head[head["code"] == ind.code].iloc[0]
            assert int(part[ind.numerator].sum()) == int(row["numerator"]), ind.code
            if ind.denominator:
                assert int(part[ind.denominator].sum()) == int(row["denominator"]), ind.code
        return f"{len(INDICATORS)} indicators' numerators and denominators"
    (group,) = case.naive_groups
    columns = ["unit_id", *queries_columns(dashboard[0])]
    got = dashboard[0][columns].sort_values("unit_id").reset_index(drop=True)
    want = naive[group][columns].sort_values("unit_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    return f"{len(columns) - 1} measures × {len(got)} units"


def queries_columns(frame: pd.DataFrame) -> list[str]:
    """The measure columns of a ``queries.measures`` frame."""
    return [c for c in frame.columns if c not in ("unit_id", "code", "name")]


def time_naive(conn: Connection, filters: Filters, rows: list[Row]) -> None:
    """Time and check the naive path of every row that has one.

    Each measure group is read once for the period (its own row) and once for the same period
    last year; the overview's naive time is the sum of all of them, as it needs both.
    """
    groups = sorted({g for r in rows for g in r.case.naive_groups})
    now, now_s = naive_groups(conn, filters, groups)
    before = filters.with_period(filters.period.same_period_last_year())
    _, before_s = naive_groups(conn, before, groups)
    for row in rows:
        if not row.case.naive_groups or row.summary is None:
            continue
        part = {g: now[g] for g in row.case.naive_groups}
        row.naive_checked = check_naive(row.case, part, row.summary.results)
        row.naive = sum(now_s[g] for g in row.case.naive_groups)
        if row.case.page == "overview":  # the headline compares with the same period last year
            row.naive += sum(before_s[g] for g in row.case.naive_groups)


# --- cases --------------------------------------------------------------------------------


def cases() -> list[Case]:
    """The overview, each measure group, and each page module's public queries."""
    out = [
        Case(
            "overview",
            "headline + commune_scorecard",
            [("headline", headline), ("commune_scorecard", commune_scorecard)],
            sorted({i.group for i in INDICATORS}),
        ),
        # The page's two cached queries, each on its own (the app runs them one after the other).
        Case("overview", "headline", [("headline", headline)]),
        Case("overview", "commune_scorecard", [("commune_scorecard", commune_scorecard)]),
    ]
    for group in queries.MEASURES:
        out.append(
            Case(
                "measures",
                group,
                [(f"measures:{group}", partial(queries.measures, groups=[group]))],
                [group],
            )
        )
    for name in PAGE_MODULES:
        try:
            module = importlib.import_module(f"data_access.{name}")
        except ImportError:
            continue
        for fname, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or fname.startswith("_"):
                continue
            params = list(inspect.signature(fn).parameters.values())
            if [p.name for p in params[:3]] != ["conn", "filters", "scope"]:
                continue
            if any(p.default is inspect.Parameter.empty for p in params[3:]):
                continue
            out.append(Case(name, fname, [(f"{name}.{fname}", fn)]))
    # The one person list on the payouts page, first page, as a role that may see persons.
    out.append(Case("payouts", "mismatch_list (persons)", [("mismatch_list", _mismatch_page)]))
    return out


def _mismatch_page(conn: Connection, filters: Filters, scope: Scope) -> Any:
    from data_access import payouts

    return payouts.mismatch_list(conn, filters, Scope(scope.communes, persons=True))


# --- the database -------------------------------------------------------------------------


@contextlib.contextmanager
def bench_database(args: argparse.Namespace) -> Iterator[str]:
    """The URL to build into and time; temporary files and servers go away afterwards."""
    if args.url:
        yield parse_url(args.url).render_as_string(hide_password=False)
    elif args.engine == "sqlite":
        path = Path(args.path or f"/tmp/welfare-bench-s{args.scale}.sqlite")
        try:
            yield f"sqlite:///{path}"
        finally:
            if not (args.keep or args.build_only):
                for leftover in (path, path.with_suffix(path.suffix + "-journal")):
                    leftover.unlink(missing_ok=True)
    else:
        from tests.pgserver import create_database, temporary_postgres

        with temporary_postgres() as admin_url:
            yield create_database(admin_url, "bench")


def build(url: str, scale: int) -> tuple[int, float, float]:
    """Build the demo in a child process: (rows, seconds, the build's peak RSS in MB).

    A child keeps the build's memory out of this process's peak, which is the dashboard's.
    """
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    step = max(1, scale // 20)

    def report(fraction: float, _: str) -> None:
        done = round(fraction * scale)
        if done % step == 0 or done == scale:
            print(f"  built {done}/{scale} districts", file=sys.stderr, flush=True)

    def work() -> None:
        started = time.perf_counter()
        engine = sa.create_engine(url)
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:  # a throw-away file: no journal, no fsync
                conn.exec_driver_sql("PRAGMA journal_mode=OFF")
                conn.exec_driver_sql("PRAGMA synchronous=OFF")
        count = build_demo(engine, scale, progress=report)
        engine.dispose()
        send.send((count, time.perf_counter() - started))

    child = context.Process(target=work, name="bench-build")
    child.start()
    send.close()
    try:
        count, seconds = receive.recv()
    except EOFError:
        child.join()
        raise RuntimeError(f"the build failed (exit code {child.exitcode})") from None
    child.join()
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return count, seconds, peak_mb


SETTINGS = (
    "server_version",
    "shared_buffers",
    "work_mem",
    "effective_cache_size",
    "max_parallel_workers_per_gather",
    "jit",
    "fsync",
)


def settings(conn: Connection) -> str:
    """The PostgreSQL settings that shape these timings ("" on SQLite)."""
    if conn.dialect.name != "postgresql":
        return ""
    rows = conn.execute(
        sa.text(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name IN :names ORDER BY name"
        ).bindparams(sa.bindparam("names", expanding=True)),
        {"names": list(SETTINGS)},
    ).all()
    return ", ".join(f"{name}={value}" for name, value in rows)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- report -------------------------------------------------------------------------------


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    ms = seconds * 1000
    return f"{ms:,.1f}" if ms < 100 else f"{ms:,.0f}"


def _ratio(value: float | None) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:,.1f}×"


def ratios(row: Row) -> tuple[float | None, float | None]:
    """(naive / dashboard cold, dashboard cold / raw), with summaries."""
    t = row.summary
    if t is None:
        return None, None
    naive = row.naive / t.cold if row.naive is not None and t.cold > 0 else None
    raw = t.cold / t.raw if t.raw > 0 else None
    return naive, raw


HEADER = [
    "page",
    "query",
    "cold_ms",
    "warm_ms",
    "raw_ms",
    "base_cold_ms",
    "base_warm_ms",
    "base_raw_ms",
    "naive_ms",
    "naive_over_dashboard",
    "dashboard_over_raw",
    "statements",
    "cached_kb",
    "naive_check",
]


def csv_rows(rows: list[Row]) -> list[list[Any]]:
    """The table's rows as plain values (ms rounded to 0,01)."""

    def ms(v: float | None) -> float | str:
        return "" if v is None else round(v * 1000, 2)

    out = []
    for row in rows:
        t, b = row.summary, row.base
        naive_ratio, raw_ratio = ratios(row)
        out.append(
            [
                row.case.page,
                row.case.query,
                ms(t.cold if t else None),
                ms(t.warm if t else None),
                ms(t.raw if t else None),
                ms(b.cold if b else None),
                ms(b.warm if b else None),
                ms(b.raw if b else None),
                ms(row.naive),
                "" if naive_ratio is None else round(naive_ratio, 2),
                "" if raw_ratio is None else round(raw_ratio, 3),
                t.statements if t else "",
                round(t.cached_bytes / 1024, 1) if t else "",
                row.naive_checked,
            ]
        )
    return out


def print_table(rows: list[Row]) -> None:
    """The table as the README shows it (Markdown)."""
    print(
        "| page | query | cold | warm | raw SQL | cold, no summaries | raw, no summaries "
        "| naive | naive / dashboard | dashboard / raw |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        t, b = row.summary, row.base
        naive_ratio, raw_ratio = ratios(row)
        cells = [
            row.case.page,
            row.case.query,
            _ms(t.cold if t else None),
            _ms(t.warm if t else None),
            _ms(t.raw if t else None),
            _ms(b.cold if b else None),
            _ms(b.raw if b else None),
            _ms(row.naive),
            _ratio(naive_ratio),
            _ratio(raw_ratio),
        ]
        print("| " + " | ".join(cells) + " |")


def verdicts(rows: list[Row], scale: int, session_mb: float) -> list[str]:
    """One line per target: met or not, and by which rows (the naive and raw-SQL targets are
    set for national scale and only judged there)."""
    timed = [r for r in rows if r.summary]
    lines = [
        _verdict(
            f"cold < {TARGET_COLD_MS:.0f} ms",
            timed,
            [r for r in timed if r.summary and r.summary.cold * 1000 >= TARGET_COLD_MS],
        ),
        _verdict(
            f"warm < {TARGET_WARM_MS:.0f} ms",
            timed,
            [r for r in timed if r.summary and r.summary.warm * 1000 >= TARGET_WARM_MS],
        ),
        f"{'met' if session_mb < TARGET_SESSION_MB else 'MISSED'}: cache per session "
        f"{session_mb:.1f} MB < {TARGET_SESSION_MB:.0f} MB",
    ]
    judged = "" if scale >= NATIONAL_SCALE else f" (judged at scale {NATIONAL_SCALE}, not here)"
    naive_rows = [r for r in rows if r.naive is not None]
    if naive_rows:
        behind = [r for r in naive_rows if (ratios(r)[0] or 0) < TARGET_NAIVE_RATIO]
        target = f"≥ {TARGET_NAIVE_RATIO:.0f}× faster than naive{judged}"
        lines.append(_verdict(target, naive_rows, behind))
    far = [r for r in timed if (ratios(r)[1] or 0) > TARGET_RAW_RATIO]
    lines.append(_verdict(f"within {TARGET_RAW_RATIO}× of raw SQL{judged}", timed, far))
    return lines


def _verdict(target: str, judged: list[Row], failing: list[Row]) -> str:
    if not failing:
        return f"met: {target}"
    names = ", ".join(f"{r.case.page}/{r.case.query}" for r in failing[:6])
    more = f" and {len(failing) - 6} more" if len(failing) > 6 else ""
    return f"missed by {len(failing)} of {len(judged)} rows: {target} — {names}{more}"


# --- main ---------------------------------------------------------------------------------


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
            print(f"  {label:<9} {case.page}/{case.query}: skipped ({exc})", file=sys.stderr)
            continue
        print(
            f"  {label:<9} {case.page}/{case.query}: cold {_ms(timing.cold)} ms, "
            f"warm {_ms(timing.warm)} ms, raw {_ms(timing.raw)} ms",
            file=sys.stderr,
            flush=True,
        )
        timings[f"{case.page}/{case.query}"] = timing
    return timings


def same_results(base: Timing, summary: Timing, case: Case) -> None:
    """The summary path must give exactly what the base tables give."""
    for a, b in zip(base.results, summary.results, strict=True):
        if isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b, obj=f"{case.page}/{case.query}")
        elif isinstance(a, tuple):
            for x, y in zip(a, b, strict=True):
                pd.testing.assert_frame_equal(x, y, obj=f"{case.page}/{case.query}")


def main(argv: list[str] | None = None) -> int:
    """Command line: build, time, print, write CSV."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, required=True, help="copies of the district")
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--url", help="database to build into (its tables are replaced)")
    parser.add_argument("--path", help="SQLite file (default /tmp/welfare-bench-sN.sqlite)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (median)")
    parser.add_argument("--no-build", action="store_true", help="time an existing database")
    parser.add_argument("--build-only", action="store_true", help="build, report, stop")
    parser.add_argument("--skip-naive", action="store_true", help="do not time the naive path")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file afterwards")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for the CSV")
    args = parser.parse_args(argv)
    if args.scale < 1:
        parser.error("--scale must be at least 1")
    load_before = os.getloadavg()
    with bench_database(args) as url:
        engine_name = sa.make_url(url).get_backend_name()
        print(f"benchmark: scale {args.scale} on {engine_name} ({shown(url)})", file=sys.stderr)
        rows_built, build_s, build_mb = 0, 0.0, 0.0
        if not args.no_build:
            rows_built, build_s, build_mb = build(url, args.scale)
            print(f"  build: {rows_built:,} rows in {build_s:.1f} s", file=sys.stderr)
        if args.build_only:
            print(f"- build: {rows_built:,} rows in {build_s:,.1f} s (peak RSS {build_mb:,.0f} MB)")
            return 0
        writer = sa.create_engine(url)
        summaries.drop_summaries(writer)
        reader = make_engine(url)  # the dashboard's read-only engine
        recorder = Recorder(reader)
        with reader.connect() as conn:
            as_of = queries.data_as_of(conn)
            server_settings = settings(conn)
        assert as_of is not None, "the database has no payments"
        filters, scope = Filters(Period.year(as_of.year)), Scope.everything()
        todo = cases()
        base = run_mode(reader, recorder, todo, filters, scope, args.repeat, "base")
        refreshed = summaries.refresh(writer)
        print(f"  refresh: {refreshed.rows:,} rows in {refreshed.seconds:.1f} s", file=sys.stderr)
        summary = run_mode(reader, recorder, todo, filters, scope, args.repeat, "summaries")
        rows = []
        for case in todo:
            key = f"{case.page}/{case.query}"
            if key not in summary:
                continue
            row = Row(case, base.get(key), summary[key])
            if row.base is not None:
                same_results(row.base, summary[key], case)
            rows.append(row)
        dashboard_mb = peak_rss_mb()
        if not args.skip_naive:
            with reader.connect() as conn:
                time_naive(conn, filters, rows)
        overall_mb = peak_rss_mb()
        reader.dispose()
        connect_started = time.perf_counter()
        with reader.connect():
            connect_ms = (time.perf_counter() - connect_started) * 1000
        reader.dispose()
        writer.dispose()
    session_mb = sum(r.summary.cached_bytes for r in rows if r.summary) / 2**20
    session_frames_mb = sum(r.summary.frame_bytes for r in rows if r.summary) / 2**20
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"bench-{engine_name}-s{args.scale}-{stamp}.csv"
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer_csv = csv.writer(handle)
        writer_csv.writerow(["engine", "scale", *HEADER])
        for values in csv_rows(rows):
            writer_csv.writerow([engine_name, args.scale, *values])
    load_after = os.getloadavg()
    print()
    print(
        f"Scale {args.scale} on {engine_name}: filters {filters.period.start:%m/%Y}–"
        f"{filters.period.end:%m/%Y}, every commune ({len(rows)} rows; ms, median of "
        f"{args.repeat}; ratios use the cold time with summaries)"
    )
    print()
    print_table(rows)
    print()
    if not args.no_build:
        print(f"- build: {rows_built:,} rows in {build_s:,.1f} s (peak RSS {build_mb:,.0f} MB)")
    print(f"- refresh summaries: {refreshed.rows:,} rows in {refreshed.seconds:,.1f} s")
    print(
        f"- peak RSS of this process: {dashboard_mb:,.0f} MB through the dashboard's path, "
        f"{overall_mb:,.0f} MB after the naive path"
    )
    print(
        f"- cache per session: {session_mb:,.2f} MB pickled ({session_frames_mb:,.2f} MB as "
        f"frames) for one filter set across all rows above"
    )
    print(f"- a new database connection costs {connect_ms:,.1f} ms more (not in cold)")
    if server_settings:
        print(f"- server: {server_settings}")
    print(
        f"- load average before/after: {load_before[0]:.2f}/{load_after[0]:.2f} "
        f"({os.cpu_count()} cores)"
    )
    for line in verdicts(rows, args.scale, session_mb):
        print(f"- {line}")
    print(f"- CSV: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
