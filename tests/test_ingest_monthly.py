"""Loading a commune's job events and elderly health checks of one month (issue 15 §1–§5), on
SQLite and PostgreSQL: the month as the database holds it changes nothing; a list with a record
more, one less and one changed makes the month's records exactly its rows, the figures follow at
once and every summary table equals a full rebuild; each rule that blocks a row. Expected values
come from SQL written here.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access.filters import Scope
from ingest import health_checks, job_events
from ingest.load import Outcome, load_file
from tests.writable import assert_as_rebuilt, writable_demo

COMMUNE, NEW_SINCE = "06913", "2025-07-01"  # the new Xã Quảng Tân
OTHER = "06919"  # Xã Đại Bình, merged into the other new commune (people keep its unit)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def writer(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    engine, _ = writable_demo(request, tmp_path_factory, "ingest_monthly")
    yield engine
    engine.dispose()


def _book(header: list[str], rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["UBND XÃ QUẢNG TÂN"])
    sheet.append(header)
    sheet.append([f"({n})" for n in range(1, len(header) + 1)])
    for n, row in enumerate(rows, start=1):
        sheet.append([n, *row])
    sheet.append([None, "Tổng cộng"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _load(writer: Engine, kind: str, data: bytes, month: date, commune: str = COMMUNE) -> Outcome:
    return load_file(
        writer,
        data,
        file_name="list.xlsx",
        commune=commune,
        month=month,
        scope=Scope.everything(),
        user="clerk",
        kind=kind,
    )


def _count(writer: Engine, sql: str, **params: Any) -> int:
    with writer.connect() as conn:
        return int(conn.execute(sa.text(sql), params).scalar_one())


# --- job events --------------------------------------------------------------------------------

EVENT_HEADER = ["STT", "Ngày tổ chức", "Loại hoạt động", "Đơn vị phối hợp", "Số người tham dự"]
EVENT_KIND_VI = {
    "job_fair": "Giao dịch việc làm",
    "labour_export": "Xuất khẩu lao động",
    "recruitment": "Tuyển dụng",
}
_EVENTS = """
    SELECT e.event_date, e.kind, e.partner, e.attendees FROM job_event AS e
    JOIN admin_unit AS u ON u.id = e.admin_unit_id
    WHERE u.code = :code AND u.valid_from = :since AND e.event_date BETWEEN :a AND :b
    ORDER BY e.id
"""


def _events(writer: Engine, month: date) -> list[list[Any]]:
    end = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    with writer.connect() as conn:
        rows = conn.execute(
            sa.text(_EVENTS), {"code": COMMUNE, "since": NEW_SINCE, "a": month, "b": end}
        ).all()
    return [
        [
            r[0] if isinstance(r[0], date) else date.fromisoformat(str(r[0])),
            EVENT_KIND_VI[r[1]],
            r[2],
            r[3],
        ]
        for r in rows
    ]


def test_job_events_of_a_month_replace_the_months_records(writer: Engine) -> None:
    month = date(2026, 8, 1)
    stored = _events(writer, month)
    assert len(stored) == 2  # the demo's August 2026 in the new Xã Quảng Tân
    same = _load(writer, job_events.KIND, _book(EVENT_HEADER, stored), month)
    assert not same.plan.blocked and not same.written and same.plan.unchanged == 2
    attendees_before = _count(writer, "SELECT SUM(attendees) FROM job_event")
    edited = [list(stored[0]), [date(2026, 8, 20), "Giao dịch việc làm", "Công ty Mới", 60]]
    edited[0][3] += 5
    outcome = _load(writer, job_events.KIND, _book(EVENT_HEADER, edited), month)
    assert not outcome.plan.blocked, outcome.problems
    plan = outcome.plan
    assert (len(plan.added), len(plan.changed), len(plan.removed)) == (1, 1, 1)
    assert outcome.written and outcome.incremental
    assert _events(writer, month) == [edited[0], edited[1]]
    removed = stored[1][3]
    assert _count(writer, "SELECT SUM(attendees) FROM job_event") == (
        attendees_before + 5 + 60 - removed
    )
    assert_as_rebuilt(writer)
    back = _load(writer, job_events.KIND, _book(EVENT_HEADER, stored), month)
    assert back.written
    assert_as_rebuilt(writer)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ([date(2026, 9, 1), "Giao dịch việc làm", "X", 10], "không thuộc tháng"),
        ([date(2026, 8, 2), "Hội thảo", "X", 10], "không phải loại hoạt động"),
        ([date(2026, 8, 2), "Tuyển dụng", "X", "nhiều"], "không phải số người"),
        ([date(2026, 8, 2), "Tuyển dụng", "@Công ty", 10], "công thức"),
    ],
)
def test_a_job_event_breaking_a_rule_blocks_the_file(
    writer: Engine, row: list[Any], message: str
) -> None:
    month = date(2026, 8, 1)
    outcome = _load(
        writer, job_events.KIND, _book(EVENT_HEADER, [*_events(writer, month), row]), month
    )
    assert outcome.plan.blocked and not outcome.written
    errors = [p for p in outcome.problems if p.severity == "error"]
    assert len(errors) == 1 and errors[0].row == 6 and message in errors[0].vi, errors


# --- elderly health checks ---------------------------------------------------------------------

CHECK_HEADER = ["STT", "Họ và tên", "Số CCCD", "Ngày khám", "Hình thức khám", "Cấp thuốc miễn phí"]
_CHECKS = """
    SELECT p.full_name, p.national_id, h.check_date, h.kind, h.free_medicine
    FROM health_check AS h JOIN person AS p ON p.id = h.person_id
    JOIN admin_unit AS u ON u.id = h.admin_unit_id
    WHERE u.code = :code AND u.valid_from = :since AND h.check_date BETWEEN :a AND :b
    ORDER BY h.id
"""


def _checks(writer: Engine, month: date) -> list[list[Any]]:
    end = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    with writer.connect() as conn:
        rows = conn.execute(
            sa.text(_CHECKS), {"code": COMMUNE, "since": NEW_SINCE, "a": month, "b": end}
        ).all()
    return [
        [
            r[0],
            r[1],
            r[2] if isinstance(r[2], date) else date.fromisoformat(str(r[2])),
            "Định kỳ" if r[3] == "elderly_periodic" else "Tư vấn",
            "Có" if r[4] else "Không",
        ]
        for r in rows
    ]


def test_health_checks_of_a_month_replace_the_months_records(writer: Engine) -> None:
    month = date(2026, 11, 1)
    stored = _checks(writer, month)
    assert len(stored) == 118  # the demo's November 2026 in the new Xã Quảng Tân
    same = _load(writer, health_checks.KIND, _book(CHECK_HEADER, stored), month)
    assert not same.plan.blocked, [p for p in same.problems if p.severity == "error"][:3]
    assert not same.written and same.plan.unchanged == 118
    edited = [list(r) for r in stored[1:]]
    edited[0][4] = "Không" if edited[0][4] == "Có" else "Có"
    outcome = _load(writer, health_checks.KIND, _book(CHECK_HEADER, edited), month)
    plan = outcome.plan
    assert (len(plan.added), len(plan.changed), len(plan.removed)) == (0, 1, 1)
    assert outcome.written and outcome.incremental
    assert _checks(writer, month) == edited
    assert_as_rebuilt(writer)
    back = _load(writer, health_checks.KIND, _book(CHECK_HEADER, stored), month)
    assert back.written and len(back.plan.added) == 1
    assert_as_rebuilt(writer)


def test_a_health_check_of_someone_elsewhere_or_unknown_blocks_the_file(writer: Engine) -> None:
    month = date(2026, 11, 1)
    with writer.connect() as conn:
        elsewhere = conn.execute(
            sa.text(
                "SELECT p.full_name, p.national_id FROM person AS p JOIN admin_unit AS u "
                "ON u.id = p.admin_unit_id WHERE u.code = :o "
                "AND p.national_id IS NOT NULL ORDER BY p.id LIMIT 1"
            ),
            {"o": OTHER},
        ).one()
    stored = _checks(writer, month)
    rows = [
        *stored,
        [elsewhere[0], elsewhere[1], date(2026, 11, 3), "Định kỳ", "Có"],
        ["Không Ai", "022199999999", date(2026, 11, 3), "Định kỳ", ""],
        [stored[0][0], stored[0][1], stored[0][2], stored[0][3], stored[0][4]],
    ]
    outcome = _load(writer, health_checks.KIND, _book(CHECK_HEADER, rows), month)
    errors = sorted((p.row, p.vi) for p in outcome.problems if p.severity == "error")
    first = 4 + len(stored)
    assert [row for row, _ in errors] == [first, first + 1, first + 2]
    assert "không thuộc" in errors[0][1] and "Không có người" in errors[1][1]
    assert "đã có ở dòng 4" in errors[2][1]
    assert not outcome.written
