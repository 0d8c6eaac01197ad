"""Time each page's server-side run on the demo database, cold and warm (issue 3).

    python -m benchmarks.pages [--repeat 3]

Cold: Streamlit's caches cleared, a fresh AppTest session, first run of app.py then the page.
Warm: the same session runs the page again (what a user sees on the next interaction).
Targets: cold < 1,5 s, warm < 300 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from data_access.demo.load import build_demo_file

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    "pages/overview.py",
    "pages/coverage.py",
    "pages/housing.py",
    "pages/training.py",
    "pages/payouts.py",
    "pages/commune.py",
    "pages/briefing.py",
    "pages/quality.py",
]


def time_page(page: str, params: dict[str, str]) -> tuple[float, float]:
    """(cold, warm) seconds for one page."""
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()  # the entry page; its own cost is not counted for other pages
    at.switch_page(page)
    st.cache_data.clear()  # cold for this page's queries (the engine stays open, as in production)
    started = time.perf_counter()
    at.run()
    cold = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].value}")
    started = time.perf_counter()
    at.run()
    warm = time.perf_counter() - started
    return cold, warm


def main() -> int:
    """Command line: build the demo, time every page, print a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.sqlite"
        build_demo_file(path)
        os.environ["WELFARE_DB_URL"] = f"sqlite:///{path}"
        os.environ["WELFARE_USERS_URL"] = f"sqlite:///{Path(tmp) / 'users.sqlite'}"
        print(f"{'page':<22} {'cold ms':>9} {'warm ms':>9}   (median of {args.repeat})")
        for page in PAGES:
            params = {"xa": "06913"} if page.endswith("commune.py") else {}
            runs = [time_page(page, params) for _ in range(args.repeat)]
            cold = statistics.median(r[0] for r in runs) * 1000
            warm = statistics.median(r[1] for r in runs) * 1000
            flag = "" if cold < 1500 and warm < 300 else "  <- over target"
            print(f"{Path(page).stem:<22} {cold:9.0f} {warm:9.0f}{flag}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
