"""Loading a commune's housing grants of one year (issue 15 §1–§5), on SQLite and PostgreSQL:
the year as the database holds it changes nothing; a grant's progress (started, completed) and a
new household's grant are written, the housing figures follow at once and every summary table
equals a full rebuild; the rules that block a row. Expected values come from SQL written here.
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
from ingest import housing
from ingest.load import Outcome, load_file
from tests.writable import assert_as_rebuilt, writable_demo

COMMUNE, YEAR = "06913", 2026
HEADER = [
    "STT",
    "Họ và tên chủ hộ",
    "Số CCCD chủ hộ",
    "Hình thức hỗ trợ",
    "Số tiền hỗ trợ",
    "Nguồn kinh phí",
    "Đối tượng",
    "Ngày phê duyệt",
    "Hạn hoàn thành",
    "Ngày khởi công",
    "Ngày hoàn thành",
]
KIND_VI = {"new": "Xây mới", "repair": "Sửa chữa"}
SOURCE_VI = {"socialised": "Xã hội hóa", "state": "Ngân sách", "mixed": "Kết hợp"}
TARGET_VI = {
    "poor": "Hộ nghèo",
    "near_poor": "Hộ cận nghèo",
    "elderly_alone": "Người cao tuổi neo đơn",
    "other": "Khác",
}
_GRANTS = """
    SELECT p.full_name, p.national_id, g.kind, g.amount_vnd, g.funding_source, g.target_group,
           g.approved_on, g.deadline, g.started_on, g.completed_on
    FROM housing_grant AS g
    JOIN admin_unit AS u ON u.id = g.admin_unit_id
    JOIN person AS p ON p.id = (
        SELECT MIN(m.id) FROM person AS m
        WHERE m.household_id = g.household_id AND m.national_id IS NOT NULL
    )
    WHERE u.code = :code AND u.valid_from = '2025-07-01'
      AND g.approved_on BETWEEN :a AND :b
    ORDER BY g.id
"""


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def writer(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    engine, _ = writable_demo(request, tmp_path_factory, "ingest_housing")
    yield engine
    engine.dispose()


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _grants(writer: Engine) -> list[list[Any]]:
    with writer.connect() as conn:
        rows = conn.execute(
            sa.text(_GRANTS),
            {"code": COMMUNE, "a": date(YEAR, 1, 1), "b": date(YEAR, 12, 31)},
        ).all()
    return [
        [
            r[0],
            r[1],
            KIND_VI[r[2]],
            int(r[3]),
            SOURCE_VI[r[4]],
            TARGET_VI[r[5]],
            _day(r[6]),
            _day(r[7]),
            _day(r[8]),
            _day(r[9]),
        ]
        for r in rows
    ]


def _load(writer: Engine, rows: list[list[Any]]) -> Outcome:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["DANH SÁCH HỘ ĐƯỢC HỖ TRỢ XÂY MỚI, SỬA CHỮA NHÀ Ở NĂM 2026"])
    sheet.append(HEADER)
    sheet.append([f"({n})" for n in range(1, len(HEADER) + 1)])
    for n, row in enumerate(rows, start=1):
        sheet.append([n, *row])
    sheet.append([None, "Tổng cộng", None, None, sum(r[3] for r in rows)])
    out = io.BytesIO()
    book.save(out)
    return load_file(
        writer,
        out.getvalue(),
        file_name="nha-o-2026.xlsx",
        commune=COMMUNE,
        month=date(YEAR, 11, 1),
        scope=Scope.everything(),
        user="clerk",
        kind=housing.KIND,
    )


def test_the_year_as_stored_changes_nothing(writer: Engine) -> None:
    stored = _grants(writer)
    assert len(stored) == 4
    outcome = _load(writer, stored)
    assert not outcome.plan.blocked, outcome.problems
    assert outcome.plan.unchanged == 4 and not outcome.written


def test_progress_and_a_new_households_grant_are_written(writer: Engine) -> None:
    stored = _grants(writer)
    with writer.connect() as conn:  # a person of the commune in no housing grant
        name, cccd, household = conn.execute(
            sa.text(
                "SELECT p.full_name, p.national_id, p.household_id FROM person AS p "
                "JOIN admin_unit AS u ON u.id = p.admin_unit_id WHERE u.code = '06901' "
                "AND p.national_id IS NOT NULL AND (p.household_id IS NULL OR p.household_id "
                "NOT IN (SELECT household_id FROM housing_grant)) ORDER BY p.id LIMIT 1"
            )
        ).one()
        completed_before = conn.execute(
            sa.text("SELECT COUNT(*) FROM housing_grant WHERE status = 'completed'")
        ).scalar_one()
    edited = [list(r) for r in stored]
    assert all(r[9] is not None for r in edited)  # the demo's 2026 grants are all completed
    edited[0][9] = None  # its completion was recorded too early: building again
    new = [name, cccd, "Xây mới", 80_000_000, "Ngân sách", "Hộ nghèo"]
    edited.append([*new, date(2026, 10, 5), date(2027, 1, 5), date(2026, 10, 20), None])
    outcome = _load(writer, edited)
    assert not outcome.plan.blocked, outcome.problems
    assert (len(outcome.plan.added), len(outcome.plan.changed)) == (1, 1)
    assert outcome.written and outcome.incremental
    with writer.connect() as conn:
        completed = conn.execute(
            sa.text("SELECT COUNT(*) FROM housing_grant WHERE status = 'completed'")
        ).scalar_one()
        linked = conn.execute(
            sa.text("SELECT household_id FROM person WHERE national_id = :c"), {"c": cccd}
        ).scalar_one()
    assert completed == completed_before - 1
    assert linked is not None and (household is None or linked == household)
    assert _grants(writer) == edited
    assert_as_rebuilt(writer)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (6, date(2025, 12, 1), "không thuộc năm"),
        (7, date(2020, 1, 1), "Hạn hoàn thành trước"),
        (9, date(2099, 1, 1), "Ngày hoàn thành"),
        (3, 2_000_000_000, "không thể đúng"),
        (2, "Xây to", "ghi Xây mới hoặc Sửa chữa"),
    ],
)
def test_a_grant_breaking_a_rule_blocks_the_file(
    writer: Engine, column: int, value: object, message: str
) -> None:
    edited = [list(r) for r in _grants(writer)]
    edited[0][column] = value
    if column == 9:
        edited[0][8] = edited[0][8] or edited[0][6]
    outcome = _load(writer, edited)
    errors = [p for p in outcome.problems if p.severity == "error" and p.row]
    assert outcome.plan.blocked and not outcome.written
    assert len(errors) == 1 and errors[0].row == 4 and message in errors[0].vi, errors


def test_a_list_without_the_progress_columns_keeps_the_recorded_progress(writer: Engine) -> None:
    """Offices often send the approved list alone: the start and completion stay as recorded."""
    stored = _grants(writer)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER[:9])
    for n, row in enumerate(stored, start=1):
        sheet.append([n, *row[:8]])
    out = io.BytesIO()
    book.save(out)
    outcome = load_file(
        writer,
        out.getvalue(),
        file_name="nha-o-2026.xlsx",
        commune=COMMUNE,
        month=date(YEAR, 11, 1),
        scope=Scope.everything(),
        user="clerk",
        kind=housing.KIND,
    )
    assert not outcome.plan.blocked, outcome.problems
    assert outcome.plan.unchanged == len(stored) and not outcome.written


def test_a_grant_of_the_months_before_the_merger_belongs_to_the_old_units_list(
    writer: Engine,
) -> None:
    """The new commune exists from 1/7/2025: its 2025 list holds July to December only."""
    row = [*_grants(writer)[0]]
    row[6], row[7], row[8], row[9] = date(2025, 3, 2), date(2025, 6, 1), None, None
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append([1, *row])
    out = io.BytesIO()
    book.save(out)
    outcome = load_file(
        writer,
        out.getvalue(),
        file_name="nha-o-2025.xlsx",
        commune=COMMUNE,
        month=date(2025, 12, 1),
        scope=Scope.everything(),
        user="clerk",
        kind=housing.KIND,
    )
    errors = [p for p in outcome.problems if p.severity == "error"]
    assert outcome.plan.blocked and len(errors) == 1
    assert "chỉ có từ 01/07/2025" in errors[0].vi
