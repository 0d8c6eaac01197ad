"""Whether the summary tables may be read: their refresh time, coverage, and fingerprint.

``summary_info`` keeps a fingerprint of the base tables taken in the refresh's own snapshot —
the smallest and largest id of each, read from the primary keys, and each table's change count
(the rows of ``schema.change_event``, appended by triggers the schema installs and emptied by
each refresh), in one round trip — and the
summaries are used only while the tables still show the same fingerprint. That catches rows
added (a new month of payments), rows updated in place or deleted anywhere, by any writer, and
a rebuilt database. (On SQLite, whose triggers are per row, inserts are not counted: new rows
show in the largest id.) A database built before the counters has the id part only, until the
refresh installs them (``schema.ensure_change_counters``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import schema as s
from ..txcache import per_transaction
from .tables import CHECK_SOURCES, LAYOUT, SOURCES, summary_info


@dataclass(frozen=True)
class SummaryStatus:
    """What ``summary_info`` says, and whether the base tables still match its fingerprint."""

    refreshed_at: datetime  # aware, UTC
    data_as_of: date | None
    stocks_from: date | None
    stocks_to: date | None
    fresh: bool
    payment_detail: bool = False  # the payment tables hold the payouts page's rows
    case_detail: bool = False  # the child-case columns may be read (``tables.CASES``)
    # summary_check_record and summary_duplicate_person hold the data checks' candidates ...
    check_detail: bool = False
    # ... and the tables only they are computed from (CHECK_SOURCES) have not changed since
    checks_fresh: bool = True

    def candidates_usable(self, as_of: date | None) -> bool:
        """True when the data checks may read their candidates: fresh, filled, and the data's
        as-of date the one they were found on (``future_date``, ``missing_payment`` and
        ``age_out_of_range`` depend on it, and it moves with today's date)."""
        return self.fresh and self.checks_fresh and self.check_detail and self.data_as_of == as_of

    @property
    def payments_usable(self) -> bool:
        """True when the payouts page may read the payment tables (fresh and filled)."""
        return self.fresh and self.payment_detail

    def has_stocks_for(self, month: date) -> bool:
        """True when month-end stocks were computed for ``month`` (a first day)."""
        return (
            self.stocks_from is not None
            and self.stocks_to is not None
            and self.stocks_from <= month <= self.stocks_to
        )


PER_TABLE = 3  # smallest id, largest id, change count


def _fingerprint_columns(
    counted: bool, tables: tuple[sa.Table, ...] = SOURCES, absent: frozenset[str] = frozenset()
) -> list[sa.ScalarSelect[Any]]:
    """Per table of ``tables``: its smallest and largest id and, with ``counted``, its change
    count; nothing of a table named in ``absent`` (one the database lacks)."""
    columns: list[sa.ScalarSelect[Any]] = []
    ev = s.change_event
    for table in tables:
        if table.name in absent:
            columns.extend(sa.select(sa.null()).scalar_subquery() for _ in range(PER_TABLE))
            continue
        columns.append(sa.select(sa.func.min(table.c.id)).scalar_subquery())
        columns.append(sa.select(sa.func.max(table.c.id)).scalar_subquery())
        if counted:
            changes = sa.select(sa.func.count()).where(ev.c.table_name == table.name)
            columns.append(changes.scalar_subquery())
        else:
            columns.append(sa.select(sa.null()).scalar_subquery())
    return columns


def _fingerprint_text(
    values: list[Any] | tuple[Any, ...], tables: tuple[sa.Table, ...] = SOURCES
) -> str:
    parts = []
    for i, table in enumerate(tables):
        low, high, changes = values[PER_TABLE * i : PER_TABLE * (i + 1)]
        counted = "" if changes is None else f"#{changes}"
        parts.append(f"{table.name}:{low}-{high}{counted}")
    return ";".join(parts)


def fingerprint(conn: Connection) -> str:
    """The base tables' fingerprint: smallest and largest id and change count of each source
    table (without the count in a database that has no change counters)."""
    counted = s.table_readable(conn, s.change_event.name)
    row = conn.execute(sa.select(*_fingerprint_columns(counted))).one()
    return _fingerprint_text(tuple(row))


def check_fingerprint(conn: Connection) -> str:
    """The fingerprint of the tables only the data checks' candidates read (``CHECK_SOURCES``),
    "absent" for one this database lacks or this role may not read."""
    counted = s.table_readable(conn, s.change_event.name)
    columns = _fingerprint_columns(counted, CHECK_SOURCES, _absent(conn))
    return _fingerprint_text(tuple(conn.execute(sa.select(*columns)).one()), CHECK_SOURCES)


def _absent(conn: Connection) -> frozenset[str]:
    """The check sources this database lacks (or this role may not read)."""
    return frozenset(t.name for t in CHECK_SOURCES if not s.table_readable(conn, t.name))


def _exists(conn: Connection) -> bool:
    """True when ``summary_info`` exists (and, on PostgreSQL, this role may read it)."""
    return s.table_readable(conn, summary_info.name)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def summary_status(conn: Connection) -> SummaryStatus | None:
    """The summaries' refresh time and coverage, and whether they are fresh; None when absent.

    A few cheap round trips: does ``summary_info`` exist, its layout, then its row beside the
    base tables' fingerprint now (index lookups of min/max id). A layout older than this code
    counts as absent, whatever its columns. Read once per transaction of ``conn``, so the
    queries of a page ask once each, not once per helper.
    """
    return per_transaction(conn, "welfare.summary_status", lambda: _read_status(conn))


def summary_status_now(conn: Connection) -> SummaryStatus | None:
    """``summary_status`` read afresh, not once per transaction: for a caller whose answer must
    follow a change made earlier in the same transaction (the data checks, whose lists read
    their candidates only while the summaries are fresh)."""
    return _read_status(conn)


@functools.cache  # four variants at most, each some thirty subqueries: built once
def _status_statement(counted: bool, absent: frozenset[str]) -> sa.Select[Any]:
    """``summary_info``'s row beside the fingerprints of its sources now."""
    i = summary_info
    return sa.select(
        i.c.refreshed_at,
        i.c.data_as_of,
        i.c.stocks_from,
        i.c.stocks_to,
        i.c.fingerprint,
        i.c.payment_detail,
        i.c.case_detail,
        i.c.check_detail,
        i.c.check_fingerprint,
        *_fingerprint_columns(counted),
        *_fingerprint_columns(counted, CHECK_SOURCES, absent),
    ).where(i.c.id == 1)


def _read_status(conn: Connection) -> SummaryStatus | None:
    if not _exists(conn):
        return None
    i = summary_info
    # The layout alone first: an older summary_info may lack the columns read below.
    layout = conn.execute(sa.select(i.c.layout).where(i.c.id == 1)).scalar()
    if layout != LAYOUT:
        return None
    counted = s.table_readable(conn, s.change_event.name)
    row = conn.execute(_status_statement(counted, _absent(conn))).first()
    if row is None:
        return None
    values, split = tuple(row)[9:], PER_TABLE * len(SOURCES)
    now = _fingerprint_text(values[:split])
    checks_now = _fingerprint_text(values[split:], CHECK_SOURCES)
    return SummaryStatus(
        refreshed_at=_as_utc(row[0]),
        data_as_of=row[1],
        stocks_from=row[2],
        stocks_to=row[3],
        fresh=row[4] == now,
        payment_detail=bool(row[5]),
        case_detail=bool(row[6]),
        check_detail=bool(row[7]),
        checks_fresh=row[8] == checks_now,
    )


def summaries_as_of(conn: Connection) -> datetime | None:
    """When the summaries the dashboard is reading were refreshed (aware, UTC).

    None when there are no fresh summaries: the figures are then computed from the record-level
    tables as they are now, so there is no older as-of time to state.
    """
    status = summary_status(conn)
    return status.refreshed_at if status is not None and status.fresh else None
