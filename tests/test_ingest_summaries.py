"""A load brings the summaries up to date in its own transaction (issue 15 §5), on SQLite and
PostgreSQL: after every kind of list — amounts changed, beneficiaries removed and added back
(moving their next month's "previous paid month"), a list of 2024 under a 2023 unit, the first
list of a month the data did not reach yet — every summary table holds exactly what a full
rebuild writes, and the summaries are fresh. Summaries stale before the load are rebuilt after
it; two lists of different communes loaded at once both land, with the summaries exact.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from datetime import date
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from data_access import schema as s
from data_access.definitions import data_as_of
from data_access.filters import Filters, Period, Scope
from data_access.quality.context import context
from data_access.summaries import refresh
from data_access.summaries.freshness import summary_status
from data_access.summaries.incremental import _next_paid
from data_access.summaries.rebuild import payments_in_one_unit
from data_access.summaries.tables import summary_info
from ingest.load import Outcome, load_file
from tests.writable import assert_as_rebuilt, writable_demo

NEW_COMMUNE = ("06913", date(2025, 7, 1))  # the new Xã Quảng Tân
OTHER_NEW = ("06895", date(2025, 7, 1))  # the other new commune
OLD_COMMUNE = ("06898", date(1994, 12, 1))  # Xã Quảng Lâm (2023 units), for a list of 2024


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def writer(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    engine, _ = writable_demo(request, tmp_path_factory, "ingest_summaries")
    yield engine
    engine.dispose()


def _unit(conn: Connection, code: str, valid_from: date) -> int:
    u = s.admin_unit
    return int(
        conn.execute(
            sa.select(u.c.id).where(u.c.code == code, u.c.valid_from == valid_from)
        ).scalar_one()
    )


def _rows(
    conn: Connection, unit: int, month: date, still: date | None = None
) -> list[dict[str, Any]]:
    """The batch's paid payments as list rows, in the order of the beneficiaries' ids (with
    ``still``: of those whose allowance is still in force then, and alive)."""
    pay, ben, p = s.allowance_payment, s.allowance_beneficiary, s.person
    stmt = (
        sa.select(p.c.full_name, p.c.national_id, pay.c.amount_vnd, pay.c.method)
        .join(ben, ben.c.id == pay.c.beneficiary_id)
        .join(p, p.c.id == ben.c.person_id)
        .where(pay.c.admin_unit_id == unit, pay.c.month == month, pay.c.status == "paid")
        .order_by(pay.c.beneficiary_id)
    )
    if still is not None:
        stmt = stmt.where(
            sa.or_(ben.c.end_month.is_(None), ben.c.end_month >= still),
            sa.or_(p.c.died_on.is_(None), p.c.died_on >= still),
        )
    return [
        {
            "name": r[0],
            "cccd": r[1],
            "amount": int(r[2]),
            "method": "Chuyển khoản" if r[3] == "bank" else "Tiền mặt",
        }
        for r in conn.execute(stmt)
    ]


def _workbook(rows: list[dict[str, Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["DANH SÁCH CHI TRẢ TRỢ CẤP XÃ HỘI HẰNG THÁNG"])
    sheet.append(["STT", "Họ và tên", "Số CCCD", "Số tiền", "Hình thức"])
    sheet.append(["(1)", "(2)", "(3)", "(4)", "(5)"])
    for n, r in enumerate(rows, start=1):
        sheet.append([n, r["name"], r["cccd"], r["amount"], r["method"]])
    sheet.append([None, "Tổng cộng", None, sum(r["amount"] for r in rows)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _load(writer: Engine, code: str, month: date, rows: list[dict[str, Any]]) -> Outcome:
    return load_file(
        writer,
        _workbook(rows),
        file_name="list.xlsx",
        commune=code,
        month=month,
        scope=Scope.everything(),
        user="clerk",
    )


def _fresh(engine: Engine) -> bool:
    with engine.connect() as conn:
        status = summary_status(conn)
    return status is not None and status.fresh


def _amounts(writer: Engine) -> tuple[int, int]:
    """(paid amount, payments) of the whole database: what the summaries must follow."""
    pay = s.allowance_payment
    with writer.connect() as conn:
        total, count = conn.execute(
            sa.select(sa.func.sum(pay.c.amount_vnd), sa.func.count()).where(pay.c.status == "paid")
        ).one()
    return int(total), int(count)


@pytest.mark.parametrize(
    ("commune", "month"),
    [(NEW_COMMUNE, date(2026, 11, 1)), (OLD_COMMUNE, date(2024, 5, 1))],
    ids=["2026-new-commune", "2024-old-unit"],
)
def test_changed_amounts_update_the_summaries_in_the_load(
    writer: Engine, commune: tuple[str, date], month: date
) -> None:
    with writer.connect() as conn:
        original = _rows(conn, _unit(conn, *commune), month)
    edited = [dict(r) for r in original]
    edited[0]["amount"] += 50_000
    edited[1]["method"] = "Tiền mặt" if edited[1]["method"] != "Tiền mặt" else "Chuyển khoản"
    outcome = _load(writer, commune[0], month, edited)
    assert outcome.written and outcome.incremental and not outcome.refresh_failed
    with writer.connect() as conn:  # the data checks' candidates wait for a full refresh
        assert not context(conn, Filters(Period.year(month.year)), Scope.everything()).candidates
    assert_as_rebuilt(writer)
    back = _load(writer, commune[0], month, original)
    assert back.incremental
    assert_as_rebuilt(writer)


def test_removed_and_added_back_move_the_next_months_previous(writer: Engine) -> None:
    """Three beneficiaries left off October's list: their November payment's previous paid
    month becomes September (the payment tables' rows of November change); put back, October."""
    month = date(2026, 10, 1)
    with writer.connect() as conn:
        original = _rows(conn, _unit(conn, *NEW_COMMUNE), month)
    before = _amounts(writer)
    shorter = original[3:]
    outcome = _load(writer, NEW_COMMUNE[0], month, shorter)
    assert outcome.incremental and len(outcome.plan.removed) == 3
    assert_as_rebuilt(writer)
    again = _load(writer, NEW_COMMUNE[0], month, original)
    assert again.incremental and len(again.plan.added) == 3
    assert_as_rebuilt(writer)
    assert _amounts(writer) == before


def test_the_first_list_of_a_new_month_adds_the_month(writer: Engine) -> None:
    """December's list, when the data end in November: the month's stocks and flows are added
    for every unit (the data now reach it), and equal a rebuild."""
    november, december = date(2026, 11, 1), date(2026, 12, 1)
    with writer.connect() as conn:
        unit = _unit(conn, *NEW_COMMUNE)
        rows = _rows(conn, unit, november, still=december)
        as_of = data_as_of(conn, today=date(2027, 1, 15))
    assert as_of == date(2026, 11, 30)
    pay = s.allowance_payment
    try:
        outcome = load_file(
            writer,
            _workbook(rows),
            file_name="list-12.xlsx",
            commune=NEW_COMMUNE[0],
            month=december,
            scope=Scope.everything(),
            user="clerk",
        )
        assert outcome.written and outcome.incremental, outcome.problems[:3]
        with writer.connect() as conn:
            stocks_to = conn.execute(sa.select(summary_info.c.stocks_to)).scalar_one()
            now_as_of = data_as_of(conn)
        assert now_as_of is not None and now_as_of > as_of  # the data reach December now
        assert stocks_to == december
        assert_as_rebuilt(writer)
    finally:
        with writer.begin() as conn:
            conn.execute(sa.delete(pay).where(pay.c.month == december))
        refresh(writer)


def test_summaries_stale_before_the_load_are_rebuilt_after_it(writer: Engine) -> None:
    """Another writer changed a payment in place: the load cannot update summaries that were
    already behind the rows, so it rebuilds them after its commit."""
    month = date(2026, 11, 1)
    pay = s.allowance_payment
    with writer.connect() as conn:
        unit = _unit(conn, *NEW_COMMUNE)
        original = _rows(conn, unit, month)
        some = conn.execute(
            sa.select(pay.c.id, pay.c.amount_vnd).where(pay.c.admin_unit_id != unit).limit(1)
        ).one()
    with writer.begin() as conn:
        conn.execute(sa.update(pay).where(pay.c.id == some[0]).values(amount_vnd=some[1] + 1))
    try:
        assert not _fresh(writer)
        edited = [dict(r) for r in original]
        edited[0]["amount"] += 1_000
        outcome = _load(writer, NEW_COMMUNE[0], month, edited)
        assert outcome.written and not outcome.incremental and outcome.summaries_seconds
        assert_as_rebuilt(writer)
        assert _load(writer, NEW_COMMUNE[0], month, original).incremental
    finally:
        with writer.begin() as conn:
            conn.execute(sa.update(pay).where(pay.c.id == some[0]).values(amount_vnd=some[1]))
        refresh(writer)


def test_two_communes_loading_at_once_both_land(writer: Engine) -> None:
    """On PostgreSQL six lists (two communes, three months) load at the same time: each waits
    its turn for the summaries and reads what the one before committed; all land and the
    summaries are exact. (SQLite has one writer at a time: the others wait, or are told the
    database is busy.)"""
    if writer.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    batches = [
        (code, since, month)
        for code, since in (NEW_COMMUNE, OTHER_NEW)
        for month in (date(2026, 10, 1), date(2026, 11, 1), date(2026, 9, 1))
    ]
    with writer.connect() as conn:
        lists = {
            (code, month): _rows(conn, _unit(conn, code, since), month)
            for code, since, month in batches
        }
    edited = {key: [dict(r) for r in rows] for key, rows in lists.items()}
    for rows in edited.values():
        rows[0]["amount"] += 7_000
    before = _amounts(writer)
    outcomes: dict[tuple[str, date], Outcome | BaseException] = {}
    start = threading.Barrier(len(edited))

    def run(key: tuple[str, date]) -> None:
        start.wait()
        try:
            outcomes[key] = _load(writer, key[0], key[1], edited[key])
        except BaseException as exc:  # reported by the assertion below
            outcomes[key] = exc

    threads = [threading.Thread(target=run, args=(key,)) for key in edited]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert sorted(outcomes) == sorted(edited)
    assert all(isinstance(o, Outcome) and o.written and o.incremental for o in outcomes.values()), (
        outcomes
    )
    assert _amounts(writer) == (before[0] + 7_000 * len(edited), before[1])
    assert_as_rebuilt(writer)
    for (code, month), rows in lists.items():
        _load(writer, code, month, rows)
    assert_as_rebuilt(writer)


def test_a_list_with_no_row_is_refused_not_emptying_the_batch(writer: Engine) -> None:
    """The blank template (a header, no row) would remove every payment of the month."""
    month = date(2026, 11, 1)
    before = _amounts(writer)
    outcome = _load(writer, NEW_COMMUNE[0], month, [])
    assert outcome.plan.blocked and not outcome.written
    assert "không có dòng nào" in outcome.problems[0].vi
    assert _amounts(writer) == before


def test_many_beneficiaries_are_checked_in_pieces(writer: Engine) -> None:
    """A national list touches more beneficiaries than one statement may bind (psycopg:
    65.535 parameters): the checks bind them in pieces."""
    many = list(range(1, 70_001))
    with writer.connect() as conn:
        assert payments_in_one_unit(conn, many)
        assert _next_paid(conn, many, date(2026, 10, 1))
