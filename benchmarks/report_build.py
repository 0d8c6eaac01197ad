"""Time the quarterly briefing's documents: ``python -m benchmarks.report_build [--runs N]``.

Builds the briefing content, the Word report and the Excel annex N times on the demo database
(or the database ``WELFARE_DB_URL`` names) and prints the median of each, plus each document
end to end (content + document, what a click on a download button costs without the page
cache). The first round is a warm-up and is not counted: it pays one-off costs (SQLAlchemy
statement compilation, vl-convert's JavaScript engine start) that a running dashboard has
already paid. Target: each document under 5 s on the demo database.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date

from data_access.demo import open_welfare_engine
from data_access.filters import Filters, Period, Scope
from reports.briefing import build_briefing
from reports.docx_report import build_docx
from reports.xlsx_annex import build_xlsx

TARGET_S = 5.0  # a download a meeting waits for without wondering whether it worked
SIGNED = date(2023, 12, 5)  # a fixed date: the document's date does not change its cost


def _period(text: str) -> Period:
    """ "2023-Q3" or "2023"."""
    if "-Q" in text:
        year, quarter = text.split("-Q")
        return Period.quarter(int(year), int(quarter))
    return Period.year(int(text))


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="timed rounds (default 5)")
    parser.add_argument("--period", default="2023-Q3", help='"2023-Q3" or "2023"')
    parser.add_argument("--commune", help="a commune head's scope, e.g. 06913")
    parser.add_argument("--public", action="store_true", help="the public version")
    args = parser.parse_args(argv)

    engine, _ = open_welfare_engine()
    filters = Filters(_period(args.period))
    scope = Scope.commune(args.commune) if args.commune else Scope.everything()

    def content():  # type: ignore[no-untyped-def]
        with engine.connect() as conn:
            return build_briefing(conn, filters, scope, public=args.public)

    cold = {"content": _timed(content)}  # the warm-up round, reported but not counted
    briefing = content()
    cold["docx"] = _timed(lambda: build_docx(briefing, SIGNED))
    cold["xlsx"] = _timed(lambda: build_xlsx(briefing, SIGNED))
    times: dict[str, list[float]] = {"content": [], "docx": [], "xlsx": []}
    for _ in range(args.runs):
        times["content"].append(_timed(content))
        times["docx"].append(_timed(lambda: build_docx(briefing, SIGNED)))
        times["xlsx"].append(_timed(lambda: build_xlsx(briefing, SIGNED)))
    median = {name: statistics.median(values) for name, values in times.items()}
    edition = "public" if args.public else "internal"
    who = f"commune {args.commune}" if args.commune else "district"
    print(f"briefing {args.period}, {who}, {edition}; median of {args.runs} runs after warm-up")
    print(f"  content (queries + text)   {median['content']:6.2f} s   cold {cold['content']:.2f} s")
    print(f"  Word render                {median['docx']:6.2f} s   cold {cold['docx']:.2f} s")
    print(f"  Excel render               {median['xlsx']:6.2f} s   cold {cold['xlsx']:.2f} s")
    for name in ("docx", "xlsx"):
        total = median["content"] + median[name]
        verdict = "ok" if total < TARGET_S else f"over the {TARGET_S:.0f} s target"
        print(f"  {name} end to end           {total:6.2f} s  ({verdict})")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
