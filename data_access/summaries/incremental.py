"""Bringing the summary tables up to date after a payment list was written, in the writer's own
transaction: only the rows the list can change, not a rebuild.

A monthly payment list of one unit changes, in the summaries:

- that unit's month in ``summary_unit_month`` (its payment flows only: the stocks are counted
  from people, cards and beneficiary records, which a payment list does not touch), its year in
  ``summary_unit_year``, and the month of ``summary_version_month``;
- the payment tables' rows of that unit and month and, for each beneficiary added to or removed
  from the list, of their next paid month (whose "previous paid month" changed), with the years
  of those rows;
- when the list is the first of a month beyond the summaries' last month of stocks (the usual
  case: last month's list), that month in full — its stocks and flows for every unit — since the
  data now reach it.

``after_payments`` does that only when the summaries were fresh before the write (checked in
the same transaction, so no other writer's change slips in), the months of stocks only grow at
their end, and the payment tables' premise still holds for the beneficiaries touched. Otherwise
it returns None and the caller rebuilds everything after its commit. On success it records the
base tables' new fingerprint, taken in the same transaction: the summaries are fresh exactly
when the transaction commits, and stale (read from the base tables) if anyone else has written
meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import schema as s
from ..definitions import PAID, data_as_of, first_month, payment_counted
from ..sql import year_of
from .fill import (
    Pairs,
    fill_statement,
    payment_fill,
    payment_flows,
    payment_rollup,
    payment_status_fill,
    payment_year_fill,
    version_fills,
    year_fill,
)
from .freshness import SummaryStatus, fingerprint
from .rebuild import month_rows, payments_in_one_unit, pieces, stock_months
from .tables import (
    FLOWS,
    MEASURE_COLUMNS,
    summary_info,
    summary_month,
    summary_payment,
    summary_payment_group,
    summary_payment_group_year,
    summary_payment_status,
    summary_unit_month,
    summary_unit_year,
    summary_version_month,
)

PAYMENT_FLOWS = (*FLOWS["payouts"], *FLOWS["rate_check"])


@dataclass(frozen=True)
class Update:
    """What ``after_payments`` changed."""

    months: tuple[date, ...]  # months whose rows were recomputed (payment flows or in full)
    new_months: tuple[date, ...]  # months of stocks added at the end
    rows: int  # summary rows added less rows removed
    seconds: float


def lock_info(conn: Connection) -> None:
    """Hold ``summary_info``'s row until the transaction ends: writers that update the
    summaries take turns (on SQLite the write lock does that already)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(summary_info.c.id).with_for_update())


def after_payments(
    conn: Connection,
    unit_id: int,
    month: date,
    beneficiaries: Collection[int],
    before: SummaryStatus | None,
    now: datetime | None = None,
) -> Update | None:
    """Update the summaries for a payment list of ``unit_id`` and ``month`` just written in
    ``conn``'s transaction, whose ``beneficiaries`` were added, removed or changed (each once;
    read a thousand at a time, three times: a long list's are in its spool, not in a list).

    ``before``: the summaries' status read in the same transaction before the write. Returns
    None, having written nothing, when only a full refresh can bring them up to date.
    """
    started = time.perf_counter()
    if before is None or not before.fresh or before.stocks_from is None:
        return None
    assert before.stocks_to is not None
    months = stock_months(first_month(conn), data_as_of(conn))
    if not months or months[0] != before.stocks_from or months[-1] < before.stocks_to:
        return None  # the data now start elsewhere, or end earlier: rebuild
    new_months = [m for m in months if m > before.stocks_to]
    # read three times below: a one-shot iterator taken into a list first
    touched = sorted(set(beneficiaries)) if isinstance(beneficiaries, Iterator) else beneficiaries
    if before.payment_detail and not payments_in_one_unit(conn, touched):
        return None  # the payment tables' premise broke: the rebuild leaves them empty
    if not before.payment_detail and payments_in_one_unit(conn):
        return None  # the list mended it: the rebuild fills the payment tables again
    net = 0  # summary rows added less rows removed
    if new_months:
        conn.execute(summary_month.insert(), month_rows(months)[-len(new_months) :])
        sm = summary_unit_month
        net += _replace(conn, sm, sm.c.month.in_(new_months), [fill_statement(new_months)])
    if month not in new_months:
        net += _payment_columns(conn, unit_id, month, months)
    recomputed = sorted({month, *new_months})
    net += _years(conn, unit_id, month, new_months)
    version = summary_version_month
    net += _replace(conn, version, version.c.month.in_(recomputed), version_fills(recomputed))
    if before.payment_detail:
        net += _payment_tables(conn, [(unit_id, month), *_next_paid(conn, touched, month)])
    net += _statuses(conn, unit_id, month, touched)
    _record(conn, net, months, now)
    return Update(tuple(recomputed), tuple(new_months), net, time.perf_counter() - started)


def after_units(
    conn: Connection, units: list[int], before: SummaryStatus | None, now: datetime | None = None
) -> Update | None:
    """Update the summaries after a list that changed records of ``units`` other than payments
    (people, beneficiary records, …): those units' rows of ``summary_unit_month`` (flows and
    stocks, every month) and ``summary_unit_year`` recomputed, ``summary_version_month`` anew.

    The payment tables are the caller's (a beneficiary's group, which they are grouped by, is
    not changed here). ``before`` as for ``after_payments``; None when only a full refresh can
    bring the summaries up to date (stale before, or months of stocks that moved).
    """
    started = time.perf_counter()
    if before is None or not before.fresh or before.stocks_from is None:
        return None
    months = stock_months(first_month(conn), data_as_of(conn))
    if not months or (months[0], months[-1]) != (before.stocks_from, before.stocks_to):
        return None
    wanted = sorted(set(units))
    sm, y, v = summary_unit_month, summary_unit_year, summary_version_month
    net = _replace(conn, sm, sm.c.admin_unit_id.in_(wanted), [fill_statement(units=wanted)])
    mine = sm.c.admin_unit_id.in_(wanted)
    net += _replace(conn, y, y.c.admin_unit_id.in_(wanted), [year_fill(mine)])
    net += _replace(conn, v, sa.true(), version_fills())
    _record(conn, net, months, now)
    return Update(tuple(months), (), net, time.perf_counter() - started)


def _record(conn: Connection, net: int, months: list[date], now: datetime | None) -> None:
    """``summary_info`` after an update: when, the data's as-of, the fingerprint of the base
    tables as this transaction sees them, the rows. The data checks' candidates are not kept up
    to date here (each is a scan of a whole table): they are marked unusable until the next full
    refresh, and the checks read the base tables meanwhile."""
    conn.execute(
        summary_info.update()
        .where(summary_info.c.id == 1)
        .values(
            refreshed_at=(now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None),
            data_as_of=data_as_of(conn),
            stocks_to=months[-1],
            fingerprint=fingerprint(conn),
            rows=summary_info.c.rows + net,
            check_detail=False,
        )
    )


def _replace(
    conn: Connection, table: sa.Table, where: sa.ColumnElement[bool], fills: list[sa.Insert]
) -> int:
    """Delete ``table``'s rows that ``where`` keeps and insert them anew with ``fills``: rows
    added less rows removed (counted, not taken from the driver: psycopg gives no row count
    for INSERT … SELECT)."""
    removed = conn.execute(table.delete().where(where)).rowcount
    for statement in fills:
        conn.execute(statement)
    added = conn.execute(sa.select(sa.func.count()).select_from(table).where(where)).scalar_one()
    return int(added) - int(removed)


def _payment_columns(conn: Connection, unit_id: int, month: date, months: list[date]) -> int:
    """Recompute the payment flows of one row of ``summary_unit_month`` (added if missing,
    removed when a month outside the stock ``months`` is left with nothing): rows added less
    rows removed."""
    values = dict.fromkeys(PAYMENT_FLOWS, 0)
    for part in payment_flows(unit_id, month):
        row = conn.execute(part).mappings().first()
        if row is not None:
            values.update({k: int(row[k] or 0) for k in row if k in values})
    sm = summary_unit_month
    key = sa.and_(sm.c.admin_unit_id == unit_id, sm.c.month == month)
    if conn.execute(sm.update().where(key).values(**values)).rowcount:
        if month in months:
            return 0
        empty = sa.and_(key, *(sm.c[n] == 0 for n in MEASURE_COLUMNS))
        return -int(conn.execute(sm.delete().where(empty)).rowcount)  # as a rebuild writes none
    if month not in months and not any(values.values()):
        return 0
    zeros = dict.fromkeys(MEASURE_COLUMNS, 0)
    conn.execute(sm.insert().values(admin_unit_id=unit_id, month=month, **(zeros | values)))
    return 1


def _years(conn: Connection, unit_id: int, month: date, new_months: list[date]) -> int:
    """Recompute the rows of ``summary_unit_year`` the months changed: the unit's year and, for
    months added in full, their years for every unit. Returns rows added less rows removed."""
    y, sm = summary_unit_year, summary_unit_month
    years = sorted({m.year for m in new_months})
    rows = sa.or_(
        y.c.year.in_(years), sa.and_(y.c.admin_unit_id == unit_id, y.c.year == month.year)
    )
    where = sa.or_(
        year_of(sm.c.month).in_(years),
        sa.and_(sm.c.admin_unit_id == unit_id, year_of(sm.c.month) == month.year),
    )
    return _replace(conn, y, rows, [year_fill(where)])


def _statuses(conn: Connection, unit_id: int, month: date, beneficiaries: Iterable[int]) -> int:
    """Recompute ``summary_payment_status`` for the list's unit and month, and for the units
    where its beneficiaries have other payments that month (a returned payment there is paid
    again, or no longer, by this list): rows added less rows removed."""
    pay, sps = s.allowance_payment, summary_payment_status
    pairs: set[tuple[int, date]] = {(unit_id, month)}
    for chunk in pieces(beneficiaries):  # the bound parameters' limit
        units = sa.select(pay.c.admin_unit_id).where(
            pay.c.month == month, pay.c.beneficiary_id.in_(chunk)
        )
        pairs.update((int(u), month) for (u,) in conn.execute(units.distinct()))
    found = sorted(pairs)
    where = sa.tuple_(sps.c.admin_unit_id, sps.c.month).in_(found)
    return _replace(conn, sps, where, [payment_status_fill(found)])


def _next_paid(conn: Connection, beneficiaries: Iterable[int], month: date) -> Pairs:
    """(unit, month) of each beneficiary's first paid month after ``month``: the rows whose
    "previous paid month" a change in ``month`` moves."""
    pay = s.allowance_payment
    paid = sa.and_(pay.c.status == PAID, payment_counted(pay))
    found: set[tuple[int, date]] = set()
    for chunk in pieces(beneficiaries):  # the bound parameters' limit
        nxt = (
            sa.select(pay.c.beneficiary_id, sa.func.min(pay.c.month).label("month"))
            .where(paid, pay.c.month > month, pay.c.beneficiary_id.in_(chunk))
            .group_by(pay.c.beneficiary_id)
            .subquery("nxt")
        )
        stmt = (
            sa.select(pay.c.admin_unit_id, pay.c.month)
            .join(
                nxt,
                sa.and_(nxt.c.beneficiary_id == pay.c.beneficiary_id, nxt.c.month == pay.c.month),
            )
            .where(paid)
            .distinct()
        )
        found.update((int(u), m) for u, m in conn.execute(stmt))
    return sorted(found)


def _payment_tables(conn: Connection, pairs: Pairs) -> int:
    """Recompute the payment tables' rows of ``pairs`` and of their units' years: rows added
    less rows removed."""
    pairs = sorted(set(pairs))
    years = sorted({(u, m.year) for u, m in pairs})
    g, p, gy = summary_payment_group, summary_payment, summary_payment_group_year
    net = 0
    for table, fill in ((g, payment_fill(pairs)), (p, payment_rollup(pairs))):
        net += _replace(
            conn, table, sa.tuple_(table.c.admin_unit_id, table.c.month).in_(pairs), [fill]
        )
    at = sa.tuple_(gy.c.admin_unit_id, gy.c.year).in_(years)
    return net + _replace(conn, gy, at, [payment_year_fill(years)])
