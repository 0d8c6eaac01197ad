"""Refresh the summary tables the dashboard reads at province and national scale.

    python -m data_access.refresh_summaries [--url URL] [--drop]

Run it after every load of the welfare database (e.g. from cron after the nightly import): the
dashboard connects read-only, so it never refreshes them itself. Until the next refresh, the
dashboard notices new rows through the summaries' fingerprint and computes from the base tables.
The URL needs a role that may create and write tables; without ``--url`` it is the dashboard's
configured database (``WELFARE_DB_URL`` or secrets.toml), else the demo file under data/.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .db import DEMO_PATH, configured_url, parse_url, shown
from .errors import WelfareDataError
from .quality.candidates import fill
from .summaries.rebuild import RefreshResult, SummaryRefreshError, drop_summaries, refresh
from .summaries.tables import summary_metadata


def full_refresh(engine: Engine, now: datetime | None = None) -> RefreshResult:
    """The operator's refresh: every summary table and the data checks' candidates, in one
    transaction (``summaries.rebuild.refresh``, ``quality.candidates.fill``)."""
    return refresh(engine, now, candidates=fill)


def main(argv: Iterable[str] | None = None) -> int:
    """Command line: refresh (or drop) the summary tables of one database."""
    parser = argparse.ArgumentParser(description="Refresh the dashboard's summary tables.")
    parser.add_argument("--url", help="database URL (default: the dashboard's database)")
    parser.add_argument("--drop", action="store_true", help="remove the summary tables instead")
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        url = args.url or configured_url() or f"sqlite:///{DEMO_PATH}"
        engine = sa.create_engine(parse_url(url))
    except WelfareDataError as exc:
        print(exc.message("en"), file=sys.stderr)
        return 2
    try:
        if args.drop:
            drop_summaries(engine)
            print(f"summary tables dropped from {shown(engine.url)}")
            return 0
        result = full_refresh(engine)
    except SummaryRefreshError as exc:
        print(f"not refreshed: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    if result.indexes:
        print(f"indexes created: {', '.join(result.indexes)}")
    if result.counters:
        print("change recording installed (schema.change_event and its triggers)")
    print(
        f"{', '.join(t.name for t in summary_metadata.sorted_tables)}: {result.rows:,} rows "
        f"({result.stock_months} months of stocks) refreshed in {result.seconds:.1f} s "
        f"on {shown(engine.url)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
