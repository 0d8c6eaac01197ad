"""The README's PostgreSQL role for the import path works, and no more (issue 15 §6): run
verbatim, it loads a list with the summaries brought up to date in the same transaction (and
rebuilds them when they were stale before), and it is refused on the units, the rates and any
DDL; the dashboard's read-only role cannot write a payment.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from data_access.db import make_engine
from data_access.demo import build_demo
from data_access.filters import Scope
from data_access.summaries import refresh
from data_access.summaries.freshness import summary_status
from devtools.pgserver import create_database
from ingest.load import load_file
from tests.test_readonly_role import readme_role_sql

README = Path(__file__).resolve().parent.parent / "README.md"
COMMUNE, MONTH = "06913", date(2026, 11, 1)

pytestmark = pytest.mark.postgres


def readme_writer_sql() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("### A PostgreSQL role for the import path", 1)[1]
    found = re.search(r"```sql\n(.*?)```", section, re.S)
    assert found is not None
    return found.group(1)


def _run_as_owner(owner_url: str, sql: str, database: str) -> None:
    owner = sa.create_engine(owner_url, isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        for statement in filter(None, (s.strip() for s in sql.split(";"))):
            conn.execute(sa.text(statement.replace("DATABASE welfare", f"DATABASE {database}")))
    owner.dispose()


@pytest.fixture(scope="module")
def roles(pg_admin_url: str) -> Iterator[tuple[str, Engine, Engine]]:
    """(the owner's URL, the writer's engine, the reader's engine) on a demo of their own."""
    owner_url = create_database(pg_admin_url, "writer_role_test")
    database = make_url(owner_url).database
    assert database is not None
    owner = sa.create_engine(owner_url)
    build_demo(owner)
    refresh(owner)  # creates the summary, import and change tables the grants name
    owner.dispose()
    sql = readme_writer_sql() + ";" + readme_role_sql()
    for role in ("welfare_writer", "welfare_reader"):  # roles are the server's, not the database's
        if _role_exists(pg_admin_url, role):  # made by another test of this session
            sql = re.sub(rf"CREATE ROLE {role} [^;]*;", "", sql)
    _run_as_owner(owner_url, sql, database)
    url = make_url(owner_url)
    writer = sa.create_engine(url.set(username="welfare_writer", password="change-me"))
    reader = make_engine(url.set(username="welfare_reader", password="change-me"))
    yield owner_url, writer, reader
    writer.dispose()
    reader.dispose()
    # Roles belong to the server: leave none with privileges behind (test_readonly_role drops
    # and recreates welfare_reader, which fails while a database still grants it anything).
    admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE "{database}" WITH (FORCE)'))
        conn.execute(sa.text("DROP ROLE IF EXISTS welfare_writer"))
    admin.dispose()


def _role_exists(admin_url: str, role: str) -> bool:
    admin = sa.create_engine(admin_url)
    try:
        with admin.connect() as conn:
            found = conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
            return found.first() is not None
    finally:
        admin.dispose()


def _list(engine: Engine, raise_by: int) -> bytes:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                """
                SELECT p.full_name, p.national_id, pay.amount_vnd
                FROM allowance_payment AS pay
                JOIN allowance_beneficiary AS b ON b.id = pay.beneficiary_id
                JOIN person AS p ON p.id = b.person_id
                JOIN admin_unit AS u ON u.id = pay.admin_unit_id
                WHERE u.code = :code AND u.valid_from = '2025-07-01' AND pay.month = :month
                ORDER BY pay.beneficiary_id
                """
            ),
            {"code": COMMUNE, "month": MONTH},
        ).all()
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["STT", "Họ và tên", "Số CCCD", "Số tiền"])
    amounts = [int(r[2]) for r in rows]
    amounts[0] += raise_by
    for n, (r, amount) in enumerate(zip(rows, amounts, strict=True), start=1):
        sheet.append([n, r[0], r[1], amount])
    sheet.append([None, "Tổng cộng", None, sum(amounts)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _paid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT SUM(amount_vnd) FROM allowance_payment")).scalar())


def _fresh(engine: Engine) -> bool:
    with engine.connect() as conn:
        status = summary_status(conn)
    return status is not None and status.fresh


def test_the_writer_role_loads_a_list_and_keeps_the_summaries_up_to_date(
    roles: tuple[str, Engine, Engine],
) -> None:
    owner_url, writer, reader = roles
    before = _paid(reader)
    options = {
        "file_name": "list.xlsx",
        "commune": COMMUNE,
        "month": MONTH,
        "scope": Scope.everything(),
        "user": "clerk",
    }
    outcome = load_file(writer, _list(reader, 50_000), **options)  # type: ignore[arg-type]
    assert outcome.written and outcome.incremental and not outcome.refresh_failed
    assert _paid(reader) == before + 50_000 and _fresh(reader)
    # Summaries already stale (the owner changed a payment in place): the
    # load cannot update them in its transaction and rebuilds them after, as the writer.
    owner = sa.create_engine(owner_url)
    with owner.begin() as conn:
        conn.execute(sa.text("UPDATE allowance_payment SET method = method WHERE id = 1"))
    owner.dispose()
    assert not _fresh(reader)
    back = load_file(writer, _list(reader, -50_000), **options)  # type: ignore[arg-type]
    assert back.written and not back.incremental and not back.refresh_failed
    assert _paid(reader) == before and _fresh(reader)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE admin_unit SET name = 'X' WHERE id = 1",
        "DELETE FROM allowance_rate",
        "INSERT INTO target (indicator, year, admin_unit_id, value) VALUES ('F1', 2030, 1, 1)",
        "CREATE TABLE x (a int)",
        "DROP TABLE summary_info",
        "TRUNCATE allowance_payment",
    ],
)
def test_the_writer_role_is_refused_outside_the_record_tables(
    roles: tuple[str, Engine, Engine], statement: str
) -> None:
    _, writer, _ = roles
    with writer.connect() as conn, pytest.raises(sa.exc.ProgrammingError) as refused:
        conn.execute(sa.text(statement))
    assert refused.value.orig.sqlstate == "42501"  # type: ignore[union-attr]  # insufficient_privilege


def test_the_dashboards_connection_cannot_write_a_payment(
    roles: tuple[str, Engine, Engine],
) -> None:
    _, _, reader = roles
    for statement in (
        "UPDATE allowance_payment SET amount_vnd = 0 WHERE id = 1",
        "SET TRANSACTION READ WRITE; UPDATE allowance_payment SET amount_vnd = 0 WHERE id = 1",
    ):
        with reader.connect() as conn, pytest.raises(sa.exc.DBAPIError):
            for part in statement.split(";"):
                conn.execute(sa.text(part))
