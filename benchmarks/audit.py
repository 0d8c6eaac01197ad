"""What the audit trail costs a page (issue 17 §1: at most 20 ms).

    python -m benchmarks.audit [--users-url URL] [--repeat 200] [--pages 5]

1. One entry as a person list writes it (``auth.audit.AuditTrail.record``: the write lock, the
   chain's last hash, the insert with 50 people), ``--repeat`` times on a user store that
   already holds 10.000 entries: median, 95th percentile and worst, in ms.
2. The person-list page (``pages/persons.py``, five lists, each recorded) drawn by a district
   leader in AppTest on the demo database, ``--pages`` fresh sessions with the trail and as many
   with the recording replaced by a no-op: the medians and their difference.

Without ``--users-url`` the store is a temporary SQLite file (the default deployment: WAL, the
driver's default synchronous=FULL). Target: the difference per page at most 20 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from unittest import mock

from streamlit.testing.v1 import AppTest

from auth import audit
from auth.store import DEMO_USERS, UserStore, seed_demo_users
from data_access.demo.load import build_demo_file
from tests.apptest import APP, sign_in

TARGET_MS = 20.0
PRIOR_ENTRIES = 10_000
PEOPLE_PER_VIEW = 50  # a page of a person list


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return (
        f"median {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
        f"worst {ordered[-1] * 1000:.1f} ms"
    )


def time_records(url: str, repeat: int) -> list[float]:
    """Seconds per ``record`` of a person-list view, after ``PRIOR_ENTRIES`` older entries."""
    store = UserStore(url)
    trail = store.audit
    start = datetime(2026, 1, 1)
    with store.engine.begin() as conn:
        for n in range(PRIOR_ENTRIES):  # one transaction: the history, not what is timed
            entry = audit.Entry(audit.DOWNLOAD, "lanhdao", f"f{n}.csv", row_count=n)
            audit.append(conn, entry, start + timedelta(seconds=n))
    samples = []
    for n in range(repeat):
        people = tuple(range(n * PEOPLE_PER_VIEW, (n + 1) * PEOPLE_PER_VIEW))
        entry = audit.Entry(audit.VIEW, "lanhdao", "beneficiaries", {"page": 1}, 50, "", people)
        began = time.perf_counter()
        trail.record(entry)
        samples.append(time.perf_counter() - began)
    store.engine.dispose()
    return samples


@contextmanager
def _environment(demo: Path, users: str) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ["WELFARE_DB_URL"] = f"sqlite:///{demo}"
    os.environ["WELFARE_USERS_URL"] = users
    os.environ.pop("WELFARE_DEMO_USERS", None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def time_pages(work: Path, pages: int, users: str) -> tuple[list[float], list[float]]:
    """Seconds to draw the person lists, with the trail and with the recording a no-op."""
    demo = work / "demo.sqlite"
    build_demo_file(demo)
    seed_demo_users(UserStore(users))
    name, password = DEMO_USERS[0][0], DEMO_USERS[0][1]
    timings: dict[bool, list[float]] = {True: [], False: []}
    with _environment(demo, users):
        for n in range(2 * pages + 1):
            recorded = n % 2 == 1
            at = AppTest.from_file(APP, default_timeout=120)
            at.run()
            sign_in(at, name, password)
            at.switch_page("pages/persons.py")
            with _unrecorded() if not recorded else _noop():
                began = time.perf_counter()
                at.run()
                spent = time.perf_counter() - began
            if n:  # the first draw warms the caches of both
                timings[recorded].append(spent)
    return timings[True], timings[False]


@contextmanager
def _noop() -> Iterator[None]:
    yield


@contextmanager
def _unrecorded() -> Iterator[None]:
    """The pages as they would be without the trail: recording a view does nothing."""
    with (
        mock.patch("ui.audit.viewed", return_value=True),
        mock.patch("ui.audit.viewed_all", return_value=True),
    ):
        yield


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.audit", description=__doc__)
    parser.add_argument("--users-url", help="a user store to time on (default: temporary SQLite)")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--pages", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        url = args.users_url or f"sqlite:///{work / 'bench-users.sqlite'}"
        records = time_records(url, args.repeat)
        print(f"record, one view of {PEOPLE_PER_VIEW} people ({url.split(':')[0]}): {_ms(records)}")
        if args.pages:
            with_trail, without = time_pages(work, args.pages, url)
            a, b = statistics.median(with_trail), statistics.median(without)
            print(
                f"person lists page (5 lists recorded), median of {args.pages}: with the trail "
                f"{a * 1000:.0f} ms, without {b * 1000:.0f} ms, difference "
                f"{(a - b) * 1000:.0f} ms (target ≤ {TARGET_MS:.0f} ms)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
