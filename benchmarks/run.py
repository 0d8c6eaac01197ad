"""Time every page's queries at scale N, four ways, in one run (issue 8).

    python -m benchmarks.run --scale N [--engine sqlite|postgresql] [--url URL] [--repeat R]
                             [--no-build | --build-only] [--skip-naive] [--skip-base] [--keep]

Builds the demo at scale N (N copies of the district) into a SQLite file under /tmp, into
``--url``, or — ``--engine postgresql`` without a URL — into a private PostgreSQL server started
for the run and removed after it. Then, for the overview page (every query it sends: the
excluded records, the headline, the quarterly trends, what needs attention, the comparison
through the tree; for the whole scope, then for one province),
each measure group of ``queries.MEASURES`` and each public ``(conn, filters, scope)`` query of the
page modules, with the filters a district leader opens
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

Modules: ``cases`` (what is timed), ``timing`` (cold, warm, raw), ``naive`` (the naive path),
``database`` (the database built and timed), ``report`` (table, CSV, verdicts); this one is the
command line.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from data_access import summaries
from data_access.db import make_engine, shown
from data_access.definitions import data_as_of
from data_access.filters import Filters, Period, Scope, version_in_force
from data_access.refresh_summaries import full_refresh

from .cases import cases
from .database import bench_database, build, peak_rss_mb, settings
from .naive import time_naive
from .report import Summary, build_line, print_report, write_csv
from .timing import Recorder, Row, paired_rows, run_mode

RESULTS = Path(__file__).resolve().parent / "results"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line's options (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, required=True, help="copies of the district")
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--url", help="database to build into (its tables are replaced)")
    parser.add_argument("--path", help="SQLite file (default /tmp/welfare-bench-sN.sqlite)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (median)")
    parser.add_argument("--no-build", action="store_true", help="time an existing database")
    parser.add_argument("--build-only", action="store_true", help="build, report, stop")
    parser.add_argument("--skip-naive", action="store_true", help="do not time the naive path")
    parser.add_argument(
        "--skip-base",
        action="store_true",
        help="do not time without summary tables, and keep fresh ones (national scale: the "
        "base tables and a refresh take tens of minutes)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file afterwards")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for the CSV")
    args = parser.parse_args(argv)
    if args.scale < 1:
        parser.error("--scale must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    """Command line: build, time, print, write CSV."""
    args = parse_args(argv)
    load_before = os.getloadavg()
    with bench_database(args) as url:
        engine_name = sa.make_url(url).get_backend_name()
        print(f"benchmark: scale {args.scale} on {engine_name} ({shown(url)})", file=sys.stderr)
        built = None
        if not args.no_build:
            built = build(url, args.scale)
            print(f"  build: {built[0]:,} rows in {built[1]:.1f} s", file=sys.stderr)
        if args.build_only:
            print(build_line(built or (0, 0.0, 0.0)))
            return 0
        rows, run = measure(url, args, engine_name, built)
    out = write_csv(rows, args.out, engine_name, args.scale)
    load_after = os.getloadavg()
    print_report(rows, run, (load_before[0], load_after[0]), out)
    return 0


def measure(
    url: str, args: argparse.Namespace, engine: str, built: tuple[int, float, float] | None
) -> tuple[list[Row], Summary]:
    """Time every case without and with summary tables, then the naive path, on ``url``."""
    writer = sa.create_engine(url)
    # --skip-base keeps fresh summary tables (a national-scale refresh takes many minutes).
    with writer.connect() as conn:
        status = summaries.summary_status(conn)
    reuse = bool(args.skip_base and status is not None and status.fresh)
    if not reuse:
        summaries.drop_summaries(writer)
    reader = make_engine(url)  # the dashboard's read-only engine
    recorder = Recorder(reader)
    with reader.connect() as conn:
        as_of = data_as_of(conn)
        server_settings = settings(conn)
    assert as_of is not None, "the database has no payments"
    # The view a leader opens first: the data's latest year, in the units in force at its end
    # (2026: the communes of 1/7/2025; every record of 2026 is made under them).
    filters = Filters(Period.year(as_of.year), version=version_in_force(as_of))
    scope = Scope.everything()
    todo = cases()
    base = (
        {}
        if args.skip_base
        else run_mode(reader, recorder, todo, filters, scope, args.repeat, "base")
    )
    if reuse:
        refreshed = summaries.RefreshResult(0, 0, 0.0, "")
        print("  refresh: fresh summary tables kept (--skip-base)", file=sys.stderr)
    else:
        refreshed = full_refresh(writer)
        print(f"  refresh: {refreshed.rows:,} rows in {refreshed.seconds:.1f} s", file=sys.stderr)
    summary = run_mode(reader, recorder, todo, filters, scope, args.repeat, "summaries")
    rows = paired_rows(todo, base, summary)
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
    return rows, Summary(
        engine=engine,
        scale=args.scale,
        repeat=args.repeat,
        filters=filters,
        built=built,
        refreshed=(refreshed.rows, refreshed.seconds),
        dashboard_mb=dashboard_mb,
        overall_mb=overall_mb,
        connect_ms=connect_ms,
        server_settings=server_settings,
    )


if __name__ == "__main__":
    raise SystemExit(main())
