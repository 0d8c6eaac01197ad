"""The benchmark's report: the Markdown table, the CSV, and a verdict per target (issue 8).

Ratios use the cold time with summaries: naive / dashboard and dashboard / raw SQL.
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from data_access.filters import Filters

from .timing import Row, ms_text

TARGET_COLD_MS = 1000.0  # issue 8: every page's queries under 1 s cold …
TARGET_WARM_MS = 50.0  # … and 50 ms warm, at scale 30 (SQLite) and 700 (PostgreSQL)
TARGET_NAIVE_RATIO = 20.0  # at national scale, at least 20× faster than the naive path …
TARGET_RAW_RATIO = 1.5  # … and within 1,5× of the raw SQL
TARGET_SESSION_MB = 150.0  # the cache one user's session adds, across all rows
NATIONAL_SCALE = 700  # copies of the district: about the whole country's communes
NAMED_FAILURES = 6  # rows named in a missed verdict; the rest are counted

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


@dataclass
class Summary:
    """What one run measured besides the table, for the report's closing lines."""

    engine: str
    scale: int
    repeat: int
    filters: Filters
    built: tuple[int, float, float] | None  # rows, seconds, peak RSS MB; None without a build
    refreshed: tuple[int, float]  # summary rows, seconds
    dashboard_mb: float  # peak RSS through the dashboard's path
    overall_mb: float  # peak RSS after the naive path too
    connect_ms: float
    server_settings: str


def ratio_text(value: float | None) -> str:
    """A ratio as the table shows it ("–" when there is none)."""
    return "–" if value is None or math.isnan(value) else f"{value:,.1f}×"


def ratios(row: Row) -> tuple[float | None, float | None]:
    """(naive / dashboard cold, dashboard cold / raw), with summaries."""
    t = row.summary
    if t is None:
        return None, None
    naive = row.naive / t.cold if row.naive is not None and t.cold > 0 else None
    raw = t.cold / t.raw if t.raw > 0 else None
    return naive, raw


def session_mb(rows: list[Row]) -> tuple[float, float]:
    """The cache one session adds for one filter set: (pickled MB, MB as frames)."""
    pickled = sum(r.summary.cached_bytes for r in rows if r.summary) / 2**20
    frames = sum(r.summary.frame_bytes for r in rows if r.summary) / 2**20
    return pickled, frames


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


def write_csv(rows: list[Row], folder: Path, engine: str, scale: int) -> Path:
    """The table as ``bench-<engine>-s<scale>-<time>.csv`` in ``folder``; its path."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"bench-{engine}-s{scale}-{stamp}.csv"
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["engine", "scale", *HEADER])
        for values in csv_rows(rows):
            writer.writerow([engine, scale, *values])
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
            ms_text(t.cold if t else None),
            ms_text(t.warm if t else None),
            ms_text(t.raw if t else None),
            ms_text(b.cold if b else None),
            ms_text(b.raw if b else None),
            ms_text(row.naive),
            ratio_text(naive_ratio),
            ratio_text(raw_ratio),
        ]
        print("| " + " | ".join(cells) + " |")


def build_line(built: tuple[int, float, float]) -> str:
    """The build's report line: rows, seconds and the build process's peak memory."""
    rows, seconds, peak_mb = built
    return f"- build: {rows:,} rows in {seconds:,.1f} s (peak RSS {peak_mb:,.0f} MB)"


def print_report(rows: list[Row], run: Summary, load: tuple[float, float], out: Path) -> None:
    """The whole report on stdout: heading, table, measurements, verdicts, the CSV's path."""
    f = run.filters
    print()
    print(
        f"Scale {run.scale} on {run.engine}: filters {f.period.start:%m/%Y}–"
        f"{f.period.end:%m/%Y} in the {f.version} units, every commune ({len(rows)} rows; "
        f"ms, median of "
        f"{run.repeat}; ratios use the cold time with summaries)"
    )
    print()
    print_table(rows)
    print()
    if run.built is not None:
        print(build_line(run.built))
    print(f"- refresh summaries: {run.refreshed[0]:,} rows in {run.refreshed[1]:,.1f} s")
    print(
        f"- peak RSS of this process: {run.dashboard_mb:,.0f} MB through the dashboard's path, "
        f"{run.overall_mb:,.0f} MB after the naive path"
    )
    pickled, frames = session_mb(rows)
    print(
        f"- cache per session: {pickled:,.2f} MB pickled ({frames:,.2f} MB as "
        f"frames) for one filter set across all rows above"
    )
    print(f"- a new database connection costs {run.connect_ms:,.1f} ms more (not in cold)")
    if run.server_settings:
        print(f"- server: {run.server_settings}")
    print(f"- load average before/after: {load[0]:.2f}/{load[1]:.2f} ({os.cpu_count()} cores)")
    for line in verdicts(rows, run.scale, pickled):
        print(f"- {line}")
    print(f"- CSV: {out}")


def verdicts(rows: list[Row], scale: int, session_mb: float) -> list[str]:
    """One line per target: met or not, and by which rows (the naive and raw-SQL targets are
    set for national scale and only judged there)."""
    timed = [r for r in rows if r.summary]
    judged = "" if scale >= NATIONAL_SCALE else f" (judged at scale {NATIONAL_SCALE}, not here)"
    lines = [
        verdict(f"cold < {TARGET_COLD_MS:.0f} ms", timed, slower(timed, "cold", TARGET_COLD_MS)),
        verdict(f"warm < {TARGET_WARM_MS:.0f} ms", timed, slower(timed, "warm", TARGET_WARM_MS)),
        f"{'met' if session_mb < TARGET_SESSION_MB else 'MISSED'}: cache per session "
        f"{session_mb:.1f} MB < {TARGET_SESSION_MB:.0f} MB",
    ]
    naive_rows = [r for r in rows if r.naive is not None]
    if naive_rows:
        behind = [r for r in naive_rows if naive_ratio(r) < TARGET_NAIVE_RATIO]
        target = f"≥ {TARGET_NAIVE_RATIO:.0f}× faster than naive{judged}"
        lines.append(verdict(target, naive_rows, behind))
    far = [r for r in timed if raw_ratio(r) > TARGET_RAW_RATIO]
    lines.append(verdict(f"within {TARGET_RAW_RATIO}× of raw SQL{judged}", timed, far))
    return lines


def slower(rows: list[Row], mode: str, target_ms: float) -> list[Row]:
    """The rows whose ``mode`` time ("cold" or "warm") with summaries misses ``target_ms``."""
    return [r for r in rows if r.summary and getattr(r.summary, mode) * 1000 >= target_ms]


def naive_ratio(row: Row) -> float:
    """Naive / dashboard cold (0 when there is none)."""
    return ratios(row)[0] or 0


def raw_ratio(row: Row) -> float:
    """Dashboard cold / raw SQL (0 when there is none)."""
    return ratios(row)[1] or 0


def verdict(target: str, judged: list[Row], failing: list[Row]) -> str:
    """ "met: <target>", or how many of the judged rows miss it, the first few named."""
    if not failing:
        return f"met: {target}"
    names = ", ".join(r.case.key for r in failing[:NAMED_FAILURES])
    more = f" and {len(failing) - NAMED_FAILURES} more" if len(failing) > NAMED_FAILURES else ""
    return f"missed by {len(failing)} of {len(judged)} rows: {target} — {names}{more}"
