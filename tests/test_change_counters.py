"""Change counters (issue 15 §5): a row updated in place or deleted anywhere in a table, by any
writer, makes the summary tables stale until the refresh, on SQLite and PostgreSQL.

Expected figures are read from the rows with SQL written here, not from the queries under test.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from data_access import schema as s
from data_access.db import make_engine
from data_access.filters import Filters, Period, Scope
from data_access.indicators import headline
from data_access.summaries import refresh
from data_access.summaries.freshness import fingerprint, summary_status
from tests.writable import writable_demo

YEAR_2023 = Filters(Period.year(2023), version="2023")


@dataclass
class Counted:
    reader: Engine  # read-only, as the dashboard opens it
    writer: Engine  # another writer: an operator's SQL, a loader

    @property
    def postgres(self) -> bool:
        return self.writer.dialect.name == "postgresql"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Counted]:
    writer, reader_url = writable_demo(request, tmp_path_factory, "counters")
    reader = make_engine(reader_url)
    yield Counted(reader, writer)
    reader.dispose()
    writer.dispose()


def _fresh(db: Counted) -> bool:
    with db.reader.connect() as conn:
        status = summary_status(conn)
    assert status is not None
    return status.fresh


def _changes(conn: Connection, table: str) -> int:
    """Changes to ``table`` recorded since the last refresh."""
    ev = s.change_event
    return int(
        conn.execute(sa.select(sa.func.count()).where(ev.c.table_name == table)).scalar_one()
    )


def _f15(db: Counted) -> int:
    """F15 (allowance paid in 2023) as the dashboard shows it."""
    with db.reader.connect() as conn:
        head = headline(conn, YEAR_2023, Scope.everything()).set_index("code")
    return int(head.loc["F15", "numerator"])


def _paid_2023(conn: Connection) -> int:
    pay = s.allowance_payment
    return int(
        conn.execute(
            sa.select(sa.func.sum(pay.c.amount_vnd)).where(
                pay.c.status == "paid",
                pay.c.month.between(YEAR_2023.period.start, YEAR_2023.period.end),
            )
        ).scalar_one()
    )


def _middle_payment(conn: Connection) -> int:
    """A paid payment of June 2023: neither the table's first nor its last row."""
    pay = s.allowance_payment
    return int(
        conn.execute(
            sa.select(sa.func.min(pay.c.id)).where(
                pay.c.status == "paid", pay.c.month == YEAR_2023.period.start.replace(month=6)
            )
        ).scalar_one()
    )


def test_every_table_of_the_schema_records_its_changes(db: Counted) -> None:
    """Each counted table has its triggers; the refresh emptied the record."""
    with db.writer.connect() as conn:
        function, triggers = s._installed(conn)
        left = conn.execute(sa.select(sa.func.count()).select_from(s.change_event)).scalar_one()
    dialect = db.writer.dialect.name
    assert function
    expected = {n for t in s.counted_tables() for n in s._trigger_names(dialect, t.name)}
    assert expected <= triggers
    assert left == 0
    with db.writer.begin() as conn:  # nothing missing: installing again runs no DDL
        assert s.install_change_counters(conn) == 0


def test_a_payment_changed_in_place_is_seen_until_the_refresh(db: Counted) -> None:
    """An UPDATE keeps every id as it was: the counter alone tells the summaries are stale, and
    the figures are read from the rows (as they are now) until the refresh."""
    assert _fresh(db)
    with db.writer.connect() as conn:
        paid = _paid_2023(conn)
        target = _middle_payment(conn)
        before = _changes(conn, "allowance_payment")
    assert _f15(db) == paid
    pay = s.allowance_payment
    with db.writer.begin() as conn:
        conn.execute(
            sa.update(pay).where(pay.c.id == target).values(amount_vnd=pay.c.amount_vnd + 1_000)
        )
    try:
        with db.writer.connect() as conn:
            assert _changes(conn, "allowance_payment") == before + 1
        assert not _fresh(db)
        assert _f15(db) == paid + 1_000
        refresh(db.writer)
        assert _fresh(db)
        assert _f15(db) == paid + 1_000
    finally:
        with db.writer.begin() as conn:
            conn.execute(
                sa.update(pay).where(pay.c.id == target).values(amount_vnd=pay.c.amount_vnd - 1_000)
            )
        refresh(db.writer)
    assert _fresh(db) and _f15(db) == paid


def test_a_row_deleted_in_the_middle_is_seen(db: Counted) -> None:
    pay = s.allowance_payment
    with db.writer.connect() as conn:
        paid = _paid_2023(conn)
        target = _middle_payment(conn)
        row = conn.execute(sa.select(pay).where(pay.c.id == target)).mappings().one()
        ids = conn.execute(sa.select(sa.func.min(pay.c.id), sa.func.max(pay.c.id))).one()
    assert ids[0] < target < ids[1]  # the smallest and largest ids stay as they were
    with db.writer.begin() as conn:
        conn.execute(sa.delete(pay).where(pay.c.id == target))
    try:
        assert not _fresh(db)
        assert _f15(db) == paid - int(row["amount_vnd"])
    finally:
        with db.writer.begin() as conn:
            conn.execute(sa.insert(pay).values(**row))
        refresh(db.writer)
    assert _fresh(db) and _f15(db) == paid


def test_a_table_emptied_at_once_is_seen(db: Counted) -> None:
    """TRUNCATE on PostgreSQL (its own statement trigger), and on both engines a DELETE without
    WHERE (SQLite skips its quick truncation for a table with triggers, so each row is counted):
    the summaries are stale until the refresh."""
    board = s.child_protection_board
    with db.writer.connect() as conn:
        rows = [dict(r) for r in conn.execute(sa.select(board)).mappings()]
    assert rows
    statements = ["DELETE FROM child_protection_board"]
    if db.postgres:
        statements.append("TRUNCATE child_protection_board")
    for statement in statements:
        assert _fresh(db)
        with db.writer.begin() as conn:
            conn.exec_driver_sql(statement)
            assert _changes(conn, "child_protection_board") >= 1
        try:
            assert not _fresh(db), statement
        finally:
            with db.writer.begin() as conn:
                conn.execute(sa.insert(board), rows)
            refresh(db.writer)


def test_a_rolled_back_change_is_not_counted(db: Counted) -> None:
    pay = s.allowance_payment
    with db.writer.connect() as conn:
        before = _changes(conn, "allowance_payment")
        target = _middle_payment(conn)
        conn.rollback()
        with conn.begin() as tx:
            conn.execute(sa.update(pay).where(pay.c.id == target).values(amount_vnd=1))
            assert _changes(conn, "allowance_payment") == before + 1  # inside: counted
            tx.rollback()
        assert _changes(conn, "allowance_payment") == before
    assert _fresh(db)


def test_postgresql_counts_a_statement_once_whatever_its_rows(db: Counted) -> None:
    """PostgreSQL's triggers are per statement (a load of a million rows is one change, and an
    INSERT is counted too); SQLite's per row, for UPDATE and DELETE only."""
    e = s.job_event
    with db.writer.connect() as conn:
        before = _changes(conn, "job_event")
        (top,) = conn.execute(sa.select(sa.func.max(e.c.id))).one()
        sample = dict(conn.execute(sa.select(e).where(e.c.id == top)).mappings().one())
    rows = [{**sample, "id": top + n} for n in (1, 2, 3)]
    with db.writer.begin() as conn:
        conn.execute(sa.insert(e), rows)  # one statement on PostgreSQL (executemany may batch)
    with db.writer.connect() as conn:
        inserted = _changes(conn, "job_event") - before
    with db.writer.begin() as conn:
        conn.execute(sa.delete(e).where(e.c.id > top))
    with db.writer.connect() as conn:
        deleted = _changes(conn, "job_event") - before - inserted
    refresh(db.writer)
    if db.postgres:
        assert inserted >= 1 and deleted == 1
    else:
        assert (inserted, deleted) == (0, 3)


def _remove_counters(conn: Connection) -> None:
    """Make the database as a version before the change recording built it."""
    postgres = conn.dialect.name == "postgresql"
    for table in s.counted_tables():
        for name in s._trigger_names(conn.dialect.name, table.name):
            on = f' ON "{table.name}"' if postgres else ""
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}{on}")
    conn.exec_driver_sql("DROP TABLE change_event")
    if postgres:
        conn.exec_driver_sql("DROP FUNCTION welfare_count_change()")


def test_the_refresh_installs_the_counters_in_an_older_database(db: Counted) -> None:
    with db.writer.begin() as conn:
        _remove_counters(conn)
    with db.writer.connect() as conn:
        old = fingerprint(conn)
    assert "#" not in old  # ids only
    assert not _fresh(db)  # the stored fingerprint had the counts: refresh before reading
    result = refresh(db.writer)
    assert result.counters
    assert "#" in result.fingerprint and _fresh(db)
    assert not refresh(db.writer).counters  # installed once
    pay = s.allowance_payment
    with db.writer.connect() as conn:
        target = _middle_payment(conn)
    with db.writer.begin() as conn:  # the triggers work again: a change in place is seen
        conn.execute(sa.update(pay).where(pay.c.id == target).values(amount_vnd=pay.c.amount_vnd))
    assert not _fresh(db)
    refresh(db.writer)
    assert _fresh(db)


def test_the_dashboards_connection_cannot_clear_the_record(db: Counted) -> None:
    """Recording is the writers' business: the read-only engine cannot touch the record."""
    with db.reader.connect() as conn, pytest.raises(sa.exc.DBAPIError):
        conn.execute(sa.delete(s.change_event))


def test_two_writers_of_one_table_do_not_wait_for_each_other(db: Counted) -> None:
    """Events are appended, not a shared row updated: while one transaction has changed a
    payment and not committed, another changes another payment at once (PostgreSQL; SQLite
    has one writer at a time whatever the triggers do)."""
    if not db.postgres:
        pytest.skip("SQLite serialises writers by design")
    pay = s.allowance_payment
    with db.writer.connect() as conn:
        first, second = conn.execute(sa.select(pay.c.id).order_by(pay.c.id).limit(2)).scalars()
    a, b = db.writer.connect(), db.writer.connect()
    try:
        with a.begin():
            a.execute(sa.update(pay).where(pay.c.id == first).values(amount_vnd=pay.c.amount_vnd))
            with b.begin():
                b.exec_driver_sql("SET LOCAL lock_timeout = '2s'")
                b.execute(
                    sa.update(pay).where(pay.c.id == second).values(amount_vnd=pay.c.amount_vnd)
                )
            assert _changes(b, "allowance_payment") >= 1
    finally:
        a.close()
        b.close()
    refresh(db.writer)
    assert _fresh(db)
