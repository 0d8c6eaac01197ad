"""Seconds from navigation to the first KPI tile, and to the page settled, per page at tablet size.

    python -m tests.browser.measure [--runs 3]

Builds a fresh demo database, starts ``streamlit run app.py`` on a free port, and opens every
page in Debian's Chromium. "Cold" is a page's first visit after the server started, in a new
browser with an empty cache: Streamlit's ~3 MB of JavaScript is fetched and compiled, and the
page's queries are not cached yet. "Warm" is the median of ``--runs`` later visits, each in a
new tab (a new Streamlit session) of a browser that has the app's files cached — a tablet that
opened the dashboard before. Times are the browser's own, from the start of navigation.
Targets (issue 6): first KPI under 1,5 s, settled under 3 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from data_access.demo import build_demo_file
from tests.browser.dashboard import QUIET_MS, TABLETS, Dashboard, new_tablet
from tests.browser.server import browser_problem, launch_chromium, running_dashboard

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ViewportSize

ADDRESSES = [
    "/",
    "/bao-phu",
    "/nha-o",
    "/dao-tao-viec-lam",
    "/chi-tra",
    "/xa?xa=06913",
    "/bao-cao-quy",
    "/kiem-tra",
]
PORTRAIT = "portrait-768x1024"
FIRST_KPI_TARGET_S = 1.5
SETTLED_TARGET_S = 3.0

# Watches every frame from the start of the document: when a KPI tile's value, and when any
# table or chart, first became visible; when the first script run started and ended (the
# browser's clock, 0 = start of navigation).
_WATCH_JS = """
(() => {
  const seen = (sel) => Array.from(document.querySelectorAll(sel)).some((e) => e.checkVisibility());
  const frame = () => {
    const now = performance.now();
    if (window.__firstKpi === undefined && seen('[data-testid="stMetricValue"]')) {
      window.__firstKpi = now;
    }
    if (window.__firstData === undefined &&
        seen('[data-testid="stDataFrame"] canvas, [data-testid="stVegaLiteChart"] svg')) {
      window.__firstData = now;
    }
    const state = document.querySelector('[data-testid="stApp"]')?.dataset.testScriptState;
    if (state === "running") window.__runStart ??= now;
    if (state === "notRunning" && window.__runStart !== undefined) window.__runEnd ??= now;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();
"""


@dataclass(frozen=True)
class Timing:
    """One visit: seconds to the first KPI tile (or, without tiles, the first table or chart)
    and to settled; whether the page has KPI tiles."""

    first: float
    settled: float
    kpi: bool
    app_ready: float  # the browser had loaded Streamlit and asked the server to run the page
    script: float  # seconds the first run of app.py and the page took, as the browser saw it


def visit(context: BrowserContext, base_url: str, address: str) -> Timing:
    """Open ``address`` in a new tab of ``context`` and time it."""
    page = context.new_page()
    try:
        page.add_init_script(_WATCH_JS)
        board = Dashboard(page, base_url)
        page.goto(base_url + address, wait_until="commit")
        board.settle()
        kpi, data, settled, start, end = page.evaluate(
            "[window.__firstKpi ?? null, window.__firstData ?? null, window.__settledSince,"
            " window.__runStart ?? 0, window.__runEnd ?? 0]"
        )
        first = kpi if kpi is not None else data if data is not None else settled
        return Timing(
            first / 1000, settled / 1000, kpi is not None, start / 1000, (end - start) / 1000
        )
    finally:
        page.close()


def cold_visit(browser: Browser, base_url: str, address: str, size: ViewportSize) -> Timing:
    """Open ``address`` in a browser that has never loaded the app."""
    context = new_tablet(browser, size)
    try:
        return visit(context, base_url, address)
    finally:
        context.close()


def _cell(seconds: float, target: float) -> str:
    return f"{seconds:5.2f}{' ' if seconds < target else '!'}"


def main() -> None:
    """Print the timing table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="warm visits per page and size")
    args = parser.parse_args()
    problem = browser_problem()
    if problem:
        raise SystemExit(problem)
    from playwright.sync_api import sync_playwright

    load = os.getloadavg()[0]

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        build_demo_file(work / "demo.sqlite")
        with running_dashboard(work / "demo.sqlite", work) as url, sync_playwright() as pw:
            browser = launch_chromium(pw)
            cold_visit(browser, url, "/", TABLETS[PORTRAIT])  # app.py registers its pages
            cold = {a: cold_visit(browser, url, a, TABLETS[PORTRAIT]) for a in ADDRESSES}
            warm = {}
            for size in TABLETS:
                context = new_tablet(browser, TABLETS[size])
                visit(context, url, "/")  # fills this browser's cache with the app's files
                for address in ADDRESSES:
                    warm[(address, size)] = [visit(context, url, address) for _ in range(args.runs)]
                context.close()
            browser.close()
    print(
        f"Seconds from navigation; targets: first KPI < {FIRST_KPI_TARGET_S}, "
        f"settled < {SETTLED_TARGET_S} ('!' misses). Settled = nothing running or redrawn "
        f"(measured at the start of a {QUIET_MS} ms quiet spell). Warm = median of {args.runs}.\n"
        f"Machine: {os.cpu_count()} CPUs, load average {load:.1f} before the run "
        f"(other work on the machine slows both the server and the browser)."
    )
    group = "KPI   settled  app   run"
    print(
        f"{'page':<18} {'cold 768×1024':^26}  {'warm 768×1024':^26}  {'warm 1024×768':^26}\n"
        f"{'':<18} {group:^26}  {group:^26}  {group:^26}"
    )
    for address in ADDRESSES:
        cells = [cold[address]]
        for size in TABLETS:
            runs = warm[(address, size)]
            cells.append(
                Timing(
                    statistics.median(r.first for r in runs),
                    statistics.median(r.settled for r in runs),
                    all(r.kpi for r in runs),
                    statistics.median(r.app_ready for r in runs),
                    statistics.median(r.script for r in runs),
                )
            )
        marker = "" if all(c.kpi for c in cells) else " *"
        row = "  ".join(
            f"{_cell(c.first, FIRST_KPI_TARGET_S)} {_cell(c.settled, SETTLED_TARGET_S)}"
            f" {c.app_ready:5.2f} {c.script:5.2f}"
            for c in cells
        )
        print(f"{address + marker:<18} {row}")
    print(
        "* no KPI tile on this page: the first table or chart drawn instead\n"
        "app = Streamlit's page loaded and the run requested; run = the first script run "
        "(app.py + page), both as the browser saw them"
    )


if __name__ == "__main__":
    main()
