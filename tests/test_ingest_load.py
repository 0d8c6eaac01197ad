"""Loading a commune's monthly payment list (issue 15 §3–§5), on SQLite and PostgreSQL.

Each file is built here as an office sends it (title rows, the header, the numbered row, the
rows, "Tổng cộng", the signature block) from the batch's own payments: the list of November
2026 of the new Xã Quảng Tân (820 payments). Expected values are read from the rows with SQL
written here, not from the code under test.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
import xlsxwriter
from sqlalchemy.engine import Connection, Engine

from auth import audit
from auth.store import UserStore
from data_access import payouts
from data_access import schema as s
from data_access.db import make_engine
from data_access.filters import Filters, Period, Scope
from data_access.summaries import rebuild, refresh
from data_access.summaries.freshness import summary_status
from ingest import load as load_module
from ingest import payments as payments_kind
from ingest import read as read_module
from ingest import spool
from ingest.__main__ import main as ingest_main
from ingest.load import BatchBusyError, load_file
from ingest.problems import problem_table
from tests.writable import assert_as_rebuilt, writable_demo

COMMUNE, MONTH = "06913", date(2026, 11, 1)  # the new Xã Quảng Tân, the data's last month
HEADER = ["STT", "Họ và tên", "Số CCCD", "Thôn", "Hệ số", "Số tiền (đồng)", "Hình thức", "Ký nhận"]


@dataclass
class Db:
    reader: Engine
    writer: Engine


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Db]:
    writer, reader_url = writable_demo(request, tmp_path_factory, "ingest")
    reader = make_engine(reader_url)
    yield Db(reader, writer)
    reader.dispose()
    writer.dispose()


def _batch_rows(conn: Connection) -> list[dict[str, Any]]:
    """The batch's payments as a list row each: name, CCCD, village, coefficient, amount,
    method, in the order of the beneficiaries' ids."""
    pay, ben, p, v, u = (
        s.allowance_payment,
        s.allowance_beneficiary,
        s.person,
        s.village,
        s.admin_unit,
    )
    unit = sa.select(u.c.id).where(u.c.code == COMMUNE, u.c.valid_from == date(2025, 7, 1))
    stmt = (
        sa.select(
            p.c.full_name,
            p.c.national_id,
            v.c.name,
            ben.c.coefficient_x10,
            pay.c.amount_vnd,
            pay.c.method,
        )
        .join(ben, ben.c.id == pay.c.beneficiary_id)
        .join(p, p.c.id == ben.c.person_id)
        .join(v, v.c.id == p.c.village_id, isouter=True)
        .where(pay.c.admin_unit_id == unit.scalar_subquery(), pay.c.month == MONTH)
        .order_by(pay.c.beneficiary_id)
    )
    return [
        {
            "name": r[0],
            "cccd": r[1],
            "village": r[2],
            "coefficient": r[3] / 10,
            "amount": int(r[4]),
            "method": "Chuyển khoản" if r[5] == "bank" else "Tiền mặt",
        }
        for r in conn.execute(stmt)
    ]


def _workbook(rows: list[dict[str, Any]], total: int | None = None) -> bytes:
    """The list as a commune office lays it out (Thông tư 02/2021 style)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Danh sách"
    sheet.append(["UBND XÃ QUẢNG TÂN", None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"])
    sheet.merge_cells("A1:C1")
    sheet.merge_cells("E1:H1")
    sheet.append([])
    sheet.append(["DANH SÁCH CHI TRẢ TRỢ CẤP XÃ HỘI HẰNG THÁNG - THÁNG 11 NĂM 2026"])
    sheet.merge_cells("A3:H3")
    sheet.append([None, None, None, None, None, "Đơn vị tính: đồng"])
    sheet.append(HEADER)
    sheet.append([f"({n})" for n in range(1, len(HEADER) + 1)])
    for number, row in enumerate(rows, start=1):
        sheet.append(
            [
                number,
                row["name"],
                row["cccd"],
                row["village"],
                row["coefficient"],
                row["amount"],
                row["method"],
                None,
            ]
        )
    stated = sum(r["amount"] for r in rows) if total is None else total
    sheet.append([None, "Tổng cộng", None, None, None, stated])
    sheet.append([])
    sheet.append([None, "Người lập biểu", None, None, None, "TM. ỦY BAN NHÂN DÂN"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _state(conn: Connection) -> tuple[int, int, int]:
    """(payments of the batch, their sum, import log rows): what a load may change."""
    pay, u = s.allowance_payment, s.admin_unit
    unit = sa.select(u.c.id).where(u.c.code == COMMUNE, u.c.valid_from == date(2025, 7, 1))
    count, total = conn.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(pay.c.amount_vnd), 0)).where(
            pay.c.admin_unit_id == unit.scalar_subquery(), pay.c.month == MONTH
        )
    ).one()
    logged = conn.execute(sa.select(sa.func.count()).select_from(s.import_log)).scalar_one()
    return int(count), int(total), int(logged)


def _load(db: Db, data: bytes, **kw: Any) -> Any:
    options: dict[str, Any] = {
        "file_name": "chi-tra-11-2026.xlsx",
        "commune": COMMUNE,
        "month": MONTH,
        "scope": Scope.everything(),
        "user": "can_bo_nhap_lieu",
    }
    return load_file(db.writer, data, **(options | kw))


@pytest.fixture(params=[None, 2, 3], ids=["one-chunk", "chunks-of-2", "chunks-of-3"])
def chunked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A payment list is read again and checked a chunk at a time (``payments.CHUNK_ROWS``):
    with chunks of 2 or 3 rows, what a check compares across rows (a CCCD twice, two swapped
    CCCDs, the total, the batch's changes) spans chunks, and must come out the same. So too
    what a long list keeps in its spool on disk: its rows written a few at a time, the touched
    beneficiaries bound a few at a time (openpyxl writes its texts inline: the shared strings'
    spool has its own test below, on a list XlsxWriter saves)."""
    if request.param is not None:
        monkeypatch.setattr(payments_kind, "CHUNK_ROWS", request.param)
        monkeypatch.setattr(spool, "BUFFER_ROWS", request.param + 2)
        monkeypatch.setattr(rebuild, "IDS_PER_QUERY", request.param + 1)


def _shared_strings_workbook(rows: list[dict[str, Any]]) -> bytes:
    """The same list as Excel saves it: its texts in the shared strings (XlsxWriter)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("Danh sách")
    sheet.write_row(0, 0, ["DANH SÁCH CHI TRẢ TRỢ CẤP XÃ HỘI HẰNG THÁNG - THÁNG 11 NĂM 2026"])
    sheet.write_row(2, 0, HEADER)
    sheet.write_row(3, 0, [f"({n})" for n in range(1, len(HEADER) + 1)])
    for number, row in enumerate(rows, start=1):
        values = [row[k] for k in ("name", "cccd", "village", "coefficient", "amount", "method")]
        sheet.write_row(3 + number, 0, [number, *values])
    sheet.write_row(4 + len(rows), 0, [None, "Tổng cộng", None, None, None])
    sheet.write_number(4 + len(rows), 5, sum(r["amount"] for r in rows))
    book.close()
    return out.getvalue()


def test_a_list_with_shared_strings_is_checked_through_the_strings_spool(
    db: Db, original: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A list saved as Excel saves it (names, CCCDs, villages in the shared strings): with 5
    strings kept in memory and the rest read back from the spool in blocks of 3 (two kept),
    the list as stored changes nothing, and one amount changed is found on its row."""
    monkeypatch.setattr(read_module, "IN_MEMORY_STRINGS", 5)
    monkeypatch.setattr(read_module, "STRING_BLOCK", 3)
    monkeypatch.setattr(read_module, "STRING_BLOCKS_KEPT", 2)
    same = _load(db, _shared_strings_workbook(original), dry_run=True)
    assert same.plan.problems == [] and same.plan.unchanged == 820
    assert (len(same.plan.added), len(same.plan.changed), len(same.plan.removed)) == (0, 0, 0)
    edited = [dict(r) for r in original]
    edited[700]["amount"] += 100_000
    changed = _load(db, _shared_strings_workbook(edited), dry_run=True)
    assert not changed.plan.blocked and changed.plan.unchanged == 819
    assert [(p.row, p.amount) for _, p in changed.plan.changed] == [
        (5 + 700, edited[700]["amount"])
    ]


@pytest.fixture
def original(db: Db) -> Iterator[list[dict[str, Any]]]:
    """The batch's rows as stored; the batch is put back as it was after the test."""
    with db.writer.connect() as conn:
        rows = _batch_rows(conn)
        before = _state(conn)
    yield rows
    with db.writer.connect() as conn:
        now = _state(conn)
    if now[:2] != before[:2]:
        _load(db, _workbook(rows))


def test_the_list_as_the_database_holds_it_changes_nothing(db: Db, original: list) -> None:
    """Re-import is a no-op: the same rows write nothing, not even a log line."""
    assert len(original) == 820
    with db.writer.connect() as conn:
        before = _state(conn)
    outcome = _load(db, _workbook(original))
    assert outcome.plan.problems == []
    assert (len(outcome.plan.added), len(outcome.plan.changed), len(outcome.plan.removed)) == (
        0,
        0,
        0,
    )
    assert outcome.plan.unchanged == 820 and not outcome.written
    with db.writer.connect() as conn:
        assert _state(conn) == before


def test_a_dry_run_shows_the_changes_and_writes_nothing(
    db: Db, original: list, chunked: None
) -> None:
    edited = [dict(r) for r in original[1:]]  # the first beneficiary left off the list
    edited[0]["amount"] += 100_000
    with db.writer.connect() as conn:
        before = _state(conn)
    outcome = _load(db, _workbook(edited), dry_run=True)
    assert (len(outcome.plan.added), len(outcome.plan.changed), len(outcome.plan.removed)) == (
        0,
        1,
        1,
    )
    assert outcome.plan.unchanged == 818 and not outcome.written
    assert [p.severity for p in outcome.plan.problems] == ["warning"]  # off rate × coefficient
    with db.writer.connect() as conn:
        assert _state(conn) == before


def test_a_corrected_list_replaces_the_batch_and_the_pages_show_it(
    db: Db, original: list, chunked: None
) -> None:
    """One beneficiary removed, one amount changed: the batch holds the list, the log says so,
    the summaries are fresh and the payouts page's figure for the commune is the new sum."""
    edited = [dict(r) for r in original[1:]]
    edited[0]["amount"] += 100_000
    with db.writer.connect() as conn:
        count, total, logged = _state(conn)
    outcome = _load(db, _workbook(edited))
    assert outcome.written
    expected_total = total - original[0]["amount"] + 100_000
    with db.writer.connect() as conn:
        assert _state(conn) == (count - 1, expected_total, logged + 1)
        log = conn.execute(sa.select(s.import_log).order_by(s.import_log.c.id.desc())).first()
    assert log is not None
    assert (log.kind, log.file_name, log.user_name, log.rows_in_file) == (
        "payments",
        "chi-tra-11-2026.xlsx",
        "can_bo_nhap_lieu",
        819,
    )
    assert (log.added, log.changed, log.removed, log.unchanged) == (0, 1, 1, 818)
    assert log.sha256 == outcome.sha256 and len(log.sha256) == 64
    with db.reader.connect() as conn:
        status = summary_status(conn)
        assert status is not None and status.fresh
        shown = payouts.by_commune(
            conn, Filters(Period.months(2026, 11, 2026, 11), (COMMUNE,), "2025"), Scope.everything()
        )
    assert int(shown["paid_amount"].iloc[0]) == expected_total
    # ... and the original list put back: the removed beneficiary added, the amount restored
    back = _load(db, _workbook(original))
    assert (len(back.plan.added), len(back.plan.changed), len(back.plan.removed)) == (1, 1, 0)
    with db.writer.connect() as conn:
        assert _state(conn)[:2] == (count, total)


def test_a_failure_at_the_end_leaves_the_database_as_it_was(db: Db, original: list) -> None:
    edited = [dict(r) for r in original]
    edited[-1]["amount"] += 1
    with db.writer.connect() as conn:
        before = _state(conn)

    def fail(conn: Connection) -> None:
        raise RuntimeError("the connection was lost at the last row")

    with pytest.raises(RuntimeError):
        _load(db, _workbook(edited), before_commit=fail)
    with db.writer.connect() as conn:
        assert _state(conn) == before
    with db.reader.connect() as conn:
        status = summary_status(conn)
    assert status is not None and status.fresh


def test_rows_with_errors_block_the_whole_file(db: Db, original: list, chunked: None) -> None:
    edited = [dict(r) for r in original[:5]]
    edited[1]["cccd"] = "001099999999"  # nobody has it
    edited[2]["cccd"] = edited[0]["cccd"]  # twice
    edited[3]["amount"] = "một triệu"  # not money
    with db.writer.connect() as conn:
        before = _state(conn)
    outcome = _load(db, _workbook(edited, total=1))
    assert outcome.plan.blocked and not outcome.written
    errors = {(p.row, p.column) for p in outcome.plan.problems if p.severity == "error"}
    first = 7  # rows 1–4 title, 5 header, 6 the numbered row
    assert errors == {
        (first + 1, "Số CCCD"),
        (first + 2, "Số CCCD"),
        (first + 3, "Số tiền"),
        (first + 5, "Số tiền"),  # the total row: 1 đồng stated
    }
    table = problem_table(outcome.plan.problems)
    assert list(table.columns) == ["Mức", "Dòng", "Cột", "Giá trị", "Vấn đề"]
    assert table["Mức"].iloc[0] == "Lỗi (chặn nhập)"
    with db.writer.connect() as conn:
        assert _state(conn) == before


def test_a_clerk_of_another_commune_may_not_load_it(db: Db, original: list) -> None:
    outcome = _load(db, _workbook(original[:3]), scope=Scope.commune("06910"))
    assert outcome.plan.blocked and outcome.plan.batch is None
    assert "không được nhập số liệu của Xã Quảng Tân" in outcome.plan.problems[0].vi


def test_a_file_that_is_not_a_spreadsheet_is_refused(db: Db) -> None:
    outcome = _load(db, b"%PDF-1.4 not a list")
    assert outcome.plan.blocked and not outcome.written
    assert outcome.plan.problems[0].row == 0


def test_a_list_given_by_its_path_loads_as_its_bytes_do(
    db: Db, original: list, tmp_path: Path, chunked: None
) -> None:
    """The command gives the file's path: read from the disk (not held whole), the same plan
    and the same SHA-256 as the same file's bytes; the plan's spool released, its counts
    stay."""
    edited = [dict(r) for r in original[1:]]
    edited[0]["amount"] += 100_000
    path = tmp_path / "chi-tra-11-2026.xlsx"
    path.write_bytes(_workbook(edited))
    by_bytes = _load(db, path.read_bytes(), dry_run=True)
    by_path = _load(db, path, dry_run=True)
    assert by_path.sha256 == by_bytes.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert by_path.plan.problems == by_bytes.plan.problems  # the amount's warning
    assert not by_path.plan.blocked
    counts = (len(by_path.plan.added), len(by_path.plan.changed), len(by_path.plan.removed))
    assert counts == (0, 1, 1) and by_path.plan.unchanged == 818
    assert list(by_path.plan.removed) == list(by_bytes.plan.removed)
    assert [(pid, p.amount) for pid, p in by_path.plan.changed] == [
        (pid, p.amount) for pid, p in by_bytes.plan.changed
    ]
    by_path.plan.release()
    assert (len(by_path.plan.changed), len(by_path.plan.removed)) == (1, 1)
    assert by_path.plan.changes == 2


def test_a_file_saved_again_while_it_is_read_is_refused_and_nothing_written(
    db: Db, original: list, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A list given by its path is read more than once (hashed, counted, checked): saved again
    in between, its hash, count and rows would be of different files. Refused, whether it
    changes after its hash or while its rows are checked; nothing is written either way."""
    edited = [dict(r) for r in original]
    edited[-1]["amount"] += 1
    path = tmp_path / "chi-tra-11-2026.xlsx"
    path.write_bytes(_workbook(edited))
    with db.writer.connect() as conn:
        before = _state(conn)
    real_plan, real_sha = payments_kind.plan, load_module.sha256

    def saved_again() -> None:
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))

    def plan_then_save(conn: Connection, read: Any, *args: Any) -> Any:
        saved_again()
        return real_plan(conn, read, *args)

    def hash_then_save(data: Any) -> str:
        digest = real_sha(data)
        saved_again()
        return digest

    for where, patched in (("plan", plan_then_save), ("sha256", hash_then_save)):
        with monkeypatch.context() as m:
            m.setattr(payments_kind if where == "plan" else load_module, where, patched)
            outcome = _load(db, path)
        assert outcome.plan.blocked and not outcome.written, where
        assert outcome.plan.problems[0].vi.startswith("Tệp đã thay đổi trong lúc đang đọc"), where
        with db.writer.connect() as conn:
            assert _state(conn) == before, where
    assert not _load(db, path, dry_run=True).plan.blocked  # unchanged since: read as usual


def _fed_pipe(tmp_path: Path, data: bytes) -> tuple[Path, threading.Thread]:
    """A named pipe, and the thread that writes ``data`` into it once a reader opens it."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)

    def feed() -> None:
        with pipe.open("wb") as out:
            out.write(data)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    return pipe, writer


def test_a_path_that_cannot_be_read_is_told_and_a_pipe_is_read_once(
    db: Db, original: list, tmp_path: Path
) -> None:
    missing = _load(db, tmp_path / "khong-co.xlsx")
    assert missing.plan.blocked and not missing.written
    assert missing.plan.problems[0].vi == (
        "Không đọc được tệp (lỗi hệ thống: No such file or directory)."
    )
    folder = _load(db, tmp_path)
    assert folder.plan.blocked and folder.plan.problems[0].vi.startswith("Không đọc được tệp")
    data = _workbook(original)
    pipe, writer = _fed_pipe(tmp_path, data)
    piped = _load(db, pipe, dry_run=True)
    writer.join(timeout=10)
    assert not writer.is_alive()
    assert piped.plan.problems == [] and piped.plan.unchanged == 820
    assert piped.sha256 == hashlib.sha256(data).hexdigest()


def test_two_loads_of_the_same_batch_at_once_one_is_told(db: Db, original: list) -> None:
    """The first load holds the batch until it commits; the second writes nothing and says so."""
    edited = [dict(r) for r in original]
    edited[0]["amount"] += 1
    first = _load(db, _workbook(edited))  # the batch's row exists from now on
    assert first.written
    edited[0]["amount"] += 1
    holder = db.writer.connect()
    tx = holder.begin()
    b = s.import_batch
    if holder.dialect.name == "postgresql":
        holder.execute(sa.select(b).with_for_update())
    else:  # SQLite: a writer holds the database's write lock
        holder.execute(sa.update(b).values(loaded_at=b.c.loaded_at))
    try:
        with pytest.raises(BatchBusyError) as caught:
            _load(db, _workbook(edited))
        assert "đang được nhập ở một phiên khác" in str(caught.value)
    finally:
        tx.rollback()
        holder.close()


def test_formulas_and_formula_like_names_are_refused_not_run(db: Db, original: list) -> None:
    """A formula in a row's cell is an error (never evaluated); a name that starts like a
    formula is refused; the total row's =SUM is how offices write it and passes."""
    rows = [dict(r) for r in original[:3]]
    rows[1]["name"] = '=HYPERLINK("http://x.example","bấm vào")'
    book = openpyxl.load_workbook(io.BytesIO(_workbook(rows)))
    sheet = book.active
    assert sheet is not None
    sheet["F9"] = "=600000*2"  # the third row's amount, typed as a formula
    sheet["F10"] = "=SUM(F7:F9)"  # the total row
    out = io.BytesIO()
    book.save(out)
    with db.writer.connect() as conn:
        before = _state(conn)
    outcome = _load(db, out.getvalue())
    found = {(p.row, p.column) for p in outcome.plan.problems if p.severity == "error"}
    assert found == {(8, "Họ và tên"), (9, "Số tiền")}
    assert outcome.plan.blocked and not outcome.written
    with db.writer.connect() as conn:
        assert _state(conn) == before


def test_a_list_that_drops_most_of_its_batch_is_warned_about(db: Db, original: list) -> None:
    """Five rows of 820: loading it would remove 815 payments; the dry run says so first."""
    outcome = _load(db, _workbook(original[:5]), dry_run=True)
    assert len(outcome.plan.removed) == 815 and not outcome.plan.blocked
    (alert,) = [p for p in outcome.plan.problems if p.row == 0]
    assert alert.severity == "warning"
    assert alert.vi.startswith("Danh sách này bỏ 815 trong 820 khoản chi đang có của tháng")


def test_payments_not_recorded_as_paid_are_left_to_the_office(db: Db, original: list) -> None:
    """A list replaces the batch's paid payments only: a pending payment of someone not on it
    stays, and a list row for someone whose payment was returned is an error to settle first."""
    pay, ben, p = s.allowance_payment, s.allowance_beneficiary, s.person

    def payment_of(conn: Connection, cccd: str) -> int:
        stmt = (
            sa.select(pay.c.id)
            .join(ben, ben.c.id == pay.c.beneficiary_id)
            .join(p, p.c.id == ben.c.person_id)
            .where(p.c.national_id == cccd, pay.c.month == MONTH)
        )
        return int(conn.execute(stmt).scalar_one())

    with db.writer.connect() as conn:
        pending, returned = (
            payment_of(conn, original[0]["cccd"]),
            payment_of(conn, original[1]["cccd"]),
        )
    with db.writer.begin() as conn:
        conn.execute(sa.update(pay).where(pay.c.id == pending).values(status="pending"))
        conn.execute(sa.update(pay).where(pay.c.id == returned).values(status="returned"))
    try:
        without_pending = _load(db, _workbook(original[1:]), dry_run=True)
        errors = [e for e in without_pending.plan.problems if e.severity == "error"]
        assert [(e.row, e.column) for e in errors] == [(7, "Số CCCD")]  # the returned one
        assert "«Bị trả lại»" in errors[0].vi and "«Returned»" in errors[0].en
        settled = _load(db, _workbook(original[2:]), dry_run=True)
        assert not settled.plan.blocked
        assert pending not in settled.plan.removed and returned not in settled.plan.removed
        assert settled.plan.unchanged == 818
    finally:
        with db.writer.begin() as conn:
            conn.execute(
                sa.update(pay).where(pay.c.id.in_([pending, returned])).values(status="paid")
            )
        refresh(db.writer)


def test_a_planned_payment_on_the_list_becomes_paid_and_a_repaid_return_is_history(
    db: Db, original: list
) -> None:
    """Issue 16's lifecycle: the list pays what was planned; a returned payment already paid
    again (the retry is the paid row) and a recovered one neither block nor get removed; a
    planned payment of someone left off the list stays planned."""
    pay, ben, p = s.allowance_payment, s.allowance_beneficiary, s.person

    def payment_of(conn: Connection, cccd: str) -> dict[str, Any]:
        stmt = (
            sa.select(pay)
            .join(ben, ben.c.id == pay.c.beneficiary_id)
            .join(p, p.c.id == ben.c.person_id)
            .where(p.c.national_id == cccd, pay.c.month == MONTH)
        )
        return dict(conn.execute(stmt).mappings().one())

    with db.writer.begin() as conn:
        planned, left_off, repaid = (payment_of(conn, original[i]["cccd"]) for i in (0, 1, 2))
        conn.execute(
            sa.update(pay)
            .where(pay.c.id.in_([planned["id"], left_off["id"]]))
            .values(status="planned", paid_on=None)
        )
        extra = [
            {k: v for k, v in repaid.items() if k != "id"} | {"status": status}
            for status in ("returned", "recovered")
        ]
        conn.execute(sa.insert(pay), extra)
    try:
        outcome = _load(db, _workbook([original[0], *original[2:]]))
        assert not outcome.plan.blocked, outcome.plan.problems
        assert [pid for pid, _ in outcome.plan.changed] == [planned["id"]]
        assert list(outcome.plan.removed) == [] and outcome.plan.unchanged == 818
        assert outcome.written
        with db.writer.connect() as conn:
            statuses = dict(
                conn.execute(
                    sa.select(pay.c.id, pay.c.status).where(
                        pay.c.id.in_([planned["id"], left_off["id"]])
                    )
                ).all()
            )
            kept = conn.scalar(
                sa.select(sa.func.count()).where(
                    pay.c.beneficiary_id == repaid["beneficiary_id"], pay.c.month == MONTH
                )
            )
        assert statuses == {planned["id"]: "paid", left_off["id"]: "planned"}
        assert kept == 3  # the paid retry, the return and the recovery
        assert_as_rebuilt(db.writer)
    finally:
        with db.writer.begin() as conn:
            conn.execute(
                sa.delete(pay).where(
                    pay.c.beneficiary_id == repaid["beneficiary_id"],
                    pay.c.month == MONTH,
                    pay.c.status.in_(("returned", "recovered")),
                )
            )
            for row in (planned, left_off):
                conn.execute(
                    sa.update(pay)
                    .where(pay.c.id == row["id"])
                    .values(status="paid", paid_on=row["paid_on"])
                )
        refresh(db.writer)


def test_a_refresh_that_fails_after_the_load_leaves_the_load_and_stale_summaries(
    db: Db, original: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the summaries cannot follow in the load's transaction (here: told so) they are
    rebuilt after the commit; if that fails, the rows stay committed and the dashboard reads
    them (the summaries are stale, and known to be) until a refresh succeeds."""
    from ingest import load as loading

    def broken(engine: Engine) -> None:
        raise RuntimeError("the refresh lost its connection")

    monkeypatch.setattr(payments_kind, "after_payments", lambda *args, **kw: None)
    monkeypatch.setattr(loading, "full_refresh", broken)
    edited = [dict(r) for r in original]
    edited[0]["amount"] += 100_000
    with db.writer.connect() as conn:
        count, total, logged = _state(conn)
    outcome = _load(db, _workbook(edited))
    assert outcome.written and outcome.refresh_failed
    with db.writer.connect() as conn:
        assert _state(conn) == (count, total + 100_000, logged + 1)
    with db.reader.connect() as conn:
        status = summary_status(conn)
        assert status is not None and not status.fresh
        shown = payouts.by_commune(
            conn, Filters(Period.months(2026, 11, 2026, 11), (COMMUNE,), "2025"), Scope.everything()
        )
    assert int(shown["paid_amount"].iloc[0]) == total + 100_000
    monkeypatch.undo()


def test_a_failure_while_updating_the_summaries_writes_nothing(
    db: Db, original: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The summaries are brought up to date in the load's own transaction: when that fails
    (here: the connection "drops" half way), neither the rows nor the summaries change."""

    real = payments_kind.after_payments

    def dropped(conn: Connection, *args: Any, **kw: Any) -> Any:
        real(conn, *args, **kw)  # the summaries are written ...
        raise RuntimeError("connection lost")  # ... and the transaction never commits

    monkeypatch.setattr(payments_kind, "after_payments", dropped)
    edited = [dict(r) for r in original]
    edited[0]["amount"] += 100_000
    with db.writer.connect() as conn:
        before = _state(conn)
        fingerprint = conn.execute(sa.text("SELECT fingerprint, rows FROM summary_info")).one()
    with pytest.raises(RuntimeError, match="connection lost"):
        _load(db, _workbook(edited))
    with db.writer.connect() as conn:
        assert _state(conn) == before
        assert conn.execute(sa.text("SELECT fingerprint, rows FROM summary_info")).one() == (
            fingerprint
        )
    with db.reader.connect() as conn:
        status = summary_status(conn)
        assert status is not None and status.fresh


def test_two_swapped_cccds_block_the_file(db: Db, original: list, chunked: None) -> None:
    """Rows 3 and 4 of the list carry each other's CCCD: each would be paid the other's amount.
    A name that merely differs from the record stays a warning."""
    swapped = [dict(r) for r in original]
    swapped[2]["cccd"], swapped[3]["cccd"] = original[3]["cccd"], original[2]["cccd"]
    swapped[5]["name"] = swapped[5]["name"] + " Thị"  # a name written differently
    with db.writer.connect() as conn:
        before = _state(conn)
    outcome = _load(db, _workbook(swapped))
    assert outcome.plan.blocked and not outcome.written
    crossed = [p for p in outcome.problems if "đổi chỗ" in p.vi]
    first_row = 7  # two title rows, a blank, the title, the unit line, header, numbered row
    assert sorted(p.row for p in crossed) == [first_row + 2, first_row + 3]
    assert {p.value for p in crossed} == {original[2]["cccd"], original[3]["cccd"]}
    assert all(p.severity == "error" for p in crossed)
    differs = [p for p in outcome.problems if p.row == first_row + 5]
    assert [p.severity for p in differs] == ["warning"]
    with db.writer.connect() as conn:
        assert _state(conn) == before


def test_a_commune_named_in_full_is_told_apart_from_its_namesake(db: Db) -> None:
    """Before 1/7/2025 the district had "Thị trấn Đầm Hà" and "Xã Đầm Hà"."""
    from ingest.payments import Batch, find_batch

    with db.writer.connect() as conn:
        town = find_batch(conn, "Thị trấn Đầm Hà", date(2024, 5, 1), Scope.everything())
        commune = find_batch(conn, "xa dam ha", date(2024, 5, 1), Scope.everything())
        both = find_batch(conn, "Đầm Hà", date(2024, 5, 1), Scope.everything())
    assert isinstance(town, Batch) and isinstance(commune, Batch)
    assert (town.name, commune.name) == ("Thị trấn Đầm Hà", "Xã Đầm Hà")
    assert not isinstance(both, Batch) and "hãy ghi mã xã" in both.vi


def test_another_communes_list_is_not_held_up_by_a_load_in_progress(db: Db, original: list) -> None:
    """Only the same batch waits: while one load holds Xã Quảng Tân's, a list of the other new
    commune (a dry run reads, and its batch row is another) goes through (PostgreSQL)."""
    if db.writer.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    edited = [dict(r) for r in original]
    edited[0]["amount"] += 1
    assert _load(db, _workbook(edited)).written
    holder = db.writer.connect()
    tx = holder.begin()
    b = s.import_batch
    holder.execute(sa.select(b).with_for_update())
    holder.execute(  # and a change to the payments table, uncommitted
        sa.update(s.allowance_payment)
        .where(s.allowance_payment.c.id == -1)
        .values(amount_vnd=s.allowance_payment.c.amount_vnd)
    )
    try:
        other = _load(db, _workbook(original[:3]), commune="06895", dry_run=True)
        assert other.plan.batch is not None  # read and checked, not refused as busy
    finally:
        tx.rollback()
        holder.close()


def test_the_command_records_a_load_in_the_audit_trail_and_a_dry_run_not(
    db: Db,
    original: list,
    users_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``python -m ingest load`` writes the import log in the welfare database and an "import"
    entry in the application's audit trail (issue 17 §1): who, the file and its SHA-256, the
    list, commune and month, and the counts; a dry run records nothing."""
    edited = [dict(r) for r in original]
    edited[0]["amount"] += 100_000
    monkeypatch.setattr("getpass.getuser", lambda: "quantri")
    path = tmp_path / "chi-tra-11-2026.xlsx"
    path.write_bytes(_workbook(edited))
    url = db.writer.url.render_as_string(hide_password=False)
    argv = ["load", str(path), "--commune", COMMUNE, "--month", "2026-11", "--url", url]
    assert ingest_main([*argv, "--user", "nhaplieu", "--dry-run"]) == 0
    trail = UserStore(users_url).engine
    assert audit.search(trail)[1] == 0
    assert ingest_main([*argv, "--user", "nhaplieu"]) == 0
    assert "đã nạp" in capsys.readouterr().out
    rows, total = audit.search(trail)
    assert total == 1
    entry = rows[0]
    assert (entry["actor"], entry["event"], entry["target"], entry["row_count"]) == (
        "cli:quantri",  # who ran the command; --user, the uploader, is in the detail
        "import",
        "chi-tra-11-2026.xlsx",
        820,
    )
    assert json.loads(str(entry["detail"])) == {
        "kind": "payments",
        "user": "nhaplieu",
        "commune": COMMUNE,
        "month": "2026-11",
        "sheet": None,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "added": 0,
        "changed": 1,
        "removed": 0,
        "unchanged": 819,
    }
    assert audit.verify(trail).intact


def test_the_command_reads_a_list_from_a_pipe(
    db: Db, original: list, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``python -m ingest load <(…)``: a pipe can be opened once only; the command reads it
    into memory (a file on disk is read as it is unpacked) and checks the list as usual."""
    pipe, writer = _fed_pipe(tmp_path, _workbook(original))
    url = db.writer.url.render_as_string(hide_password=False)
    argv = ["load", str(pipe), "--commune", COMMUNE, "--month", "2026-11", "--url", url]
    assert ingest_main([*argv, "--dry-run"]) == 0
    writer.join(timeout=10)
    assert not writer.is_alive()
    out = capsys.readouterr().out
    assert "giữ nguyên 820" in out, out
