"""Loading a commune's vocational classes of one month with their learners (issue 15 §1–§5), on
SQLite and PostgreSQL: the month as the database holds it changes nothing; a learner more, one
less and one who completed change the class and its learners, the training figures follow and
every summary table equals a full rebuild; the rules that block a row. Expected values come from
SQL written here.
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
from ingest import classes
from ingest.load import Outcome, load_file
from tests.writable import assert_as_rebuilt, writable_demo

COMMUNE, MONTH = "06913", date(2026, 7, 1)  # the new Xã Quảng Tân: two classes opened in 7/2026
HEADER = [
    "STT",
    "Tên lớp",
    "Lĩnh vực",
    "Ngày khai giảng",
    "Ngày kết thúc",
    "Số giờ",
    "Cơ sở đào tạo",
    "Họ và tên học viên",
    "Số CCCD",
    "Hoàn thành khóa học",
    "Có việc làm sau học",
]
_LEARNERS = """
    SELECT c.name, c.field, c.start_date, c.end_date, c.hours, c.partner, p.full_name,
           p.national_id, e.completed, e.employed_after
    FROM vocational_class AS c JOIN enrolment AS e ON e.class_id = c.id
    JOIN person AS p ON p.id = e.person_id JOIN admin_unit AS u ON u.id = c.admin_unit_id
    WHERE u.code = :code AND u.valid_from = '2025-07-01' AND c.start_date BETWEEN :a AND :b
    ORDER BY c.id, e.id
"""


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def writer(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    engine, _ = writable_demo(request, tmp_path_factory, "ingest_classes")
    yield engine
    engine.dispose()


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _learners(writer: Engine) -> list[list[Any]]:
    with writer.connect() as conn:
        rows = conn.execute(
            sa.text(_LEARNERS), {"code": COMMUNE, "a": MONTH, "b": date(2026, 7, 31)}
        ).all()
    return [
        [
            r[0],
            "Nông nghiệp" if r[1] == "agri" else "Phi nông nghiệp",
            _day(r[2]),
            _day(r[3]),
            r[4],
            r[5],
            r[6],
            r[7],
            "Có" if r[8] else "Không",
            "Có" if r[9] else "Không",
        ]
        for r in rows
    ]


def _load(writer: Engine, rows: list[list[Any]]) -> Outcome:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["DANH SÁCH HỌC VIÊN CÁC LỚP ĐÀO TẠO NGHỀ"])
    sheet.append(HEADER)
    sheet.append([f"({n})" for n in range(1, len(HEADER) + 1)])
    for n, row in enumerate(rows, start=1):
        sheet.append([n, *row])
    sheet.append([None, "Tổng cộng"])
    out = io.BytesIO()
    book.save(out)
    return load_file(
        writer,
        out.getvalue(),
        file_name="lop-nghe.xlsx",
        commune=COMMUNE,
        month=MONTH,
        scope=Scope.everything(),
        user="clerk",
        kind=classes.KIND,
    )


def test_the_month_as_stored_changes_nothing(writer: Engine) -> None:
    stored = _learners(writer)
    assert len(stored) == 58  # two classes: 30 and 28 learners
    outcome = _load(writer, stored)
    assert not outcome.plan.blocked, outcome.problems[:3]
    assert outcome.plan.unchanged == 2 and not outcome.written


def test_learners_added_removed_and_completed_are_written(writer: Engine) -> None:
    stored = _learners(writer)
    with writer.connect() as conn:  # a person of the commune in neither class
        name, cccd = conn.execute(
            sa.text(
                "SELECT p.full_name, p.national_id FROM person AS p JOIN admin_unit AS u "
                "ON u.id = p.admin_unit_id WHERE u.code = '06901' AND p.national_id IS NOT NULL "
                "AND p.id NOT IN (SELECT person_id FROM enrolment) ORDER BY p.id LIMIT 1"
            )
        ).one()
        learners_before = conn.execute(sa.text("SELECT COUNT(*) FROM enrolment")).scalar_one()
    edited = [list(r) for r in stored[1:]]  # the first learner leaves
    edited[0][8] = "Không" if edited[0][8] == "Có" else "Có"
    edited.append([*stored[0][:6], name, cccd, "Không", "Không"])
    outcome = _load(writer, edited)
    assert not outcome.plan.blocked, outcome.problems[:3]
    assert len(outcome.plan.changed) == 1 and outcome.written and outcome.incremental
    with writer.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM enrolment")).scalar_one() == (
            learners_before
        )
    assert sorted(map(tuple, _learners(writer))) == sorted(map(tuple, edited))
    assert_as_rebuilt(writer)
    assert _load(writer, stored).written
    assert_as_rebuilt(writer)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (2, date(2026, 8, 3), "ngoài tháng"),
        (3, date(2026, 1, 1), "trước ngày khai giảng"),
        (4, 99, "phải giống nhau"),
        (1, "Thủ công", "Nông nghiệp hoặc Phi nông nghiệp"),
        (7, "022199999999", "Không có người"),
    ],
)
def test_a_row_breaking_a_rule_blocks_the_file(
    writer: Engine, column: int, value: object, message: str
) -> None:
    edited = [list(r) for r in _learners(writer)]
    edited[1][column] = value
    outcome = _load(writer, edited)
    errors = [p for p in outcome.problems if p.severity == "error"]
    assert outcome.plan.blocked and not outcome.written
    assert len(errors) == 1 and errors[0].row == 5 and message in errors[0].vi, errors


def test_one_class_without_the_result_columns_keeps_them_and_warns_of_the_other(
    writer: Engine,
) -> None:
    """A list of one class, without "Hoàn thành" or "Có việc làm": its learners' results stay
    as recorded, and the other class of the month, which the load would remove, is warned of."""
    stored = _learners(writer)
    first = [r for r in stored if r[0] == stored[0][0]]
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER[:9])
    for n, row in enumerate(first, start=1):
        sheet.append([n, *row[:8]])
    out = io.BytesIO()
    book.save(out)
    outcome = load_file(
        writer,
        out.getvalue(),
        file_name="lop-nghe.xlsx",
        commune=COMMUNE,
        month=MONTH,
        scope=Scope.everything(),
        user="clerk",
        kind=classes.KIND,
        dry_run=True,
    )
    assert not outcome.plan.blocked and outcome.plan.unchanged == 1
    assert len(outcome.plan.removed) == 1
    warned = [p for p in outcome.problems if p.severity == "warning" and "sẽ xóa 1" in p.vi]
    assert len(warned) == 1
