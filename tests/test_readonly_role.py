"""The README's read-only PostgreSQL role works: it reads every table and can write none."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from data_access.db import make_engine

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_role_sql() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("### A read-only PostgreSQL role", 1)[1]
    return re.search(r"```sql\n(.*?)```", section, re.S).group(1)


@pytest.mark.postgres
def test_readme_read_only_role_can_read_and_cannot_write(pg_demo_url: str) -> None:
    database = make_url(pg_demo_url).database
    sql = readme_role_sql().replace("DATABASE welfare", f"DATABASE {database}")
    owner = sa.create_engine(pg_demo_url, isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        conn.execute(sa.text("DROP ROLE IF EXISTS welfare_reader"))
        for statement in filter(None, (s.strip() for s in sql.split(";"))):
            conn.execute(sa.text(statement))
    owner.dispose()
    reader_url = make_url(pg_demo_url).set(username="welfare_reader", password="change-me")
    reader = make_engine(reader_url, read_only=False)  # even without our own read-only option
    with reader.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM allowance_payment")).scalar() > 20000
    for statement in (
        "SET TRANSACTION READ WRITE; DELETE FROM target",
        "DELETE FROM target",
        "CREATE TABLE x (a int)",
    ):
        with reader.connect() as conn, pytest.raises(sa.exc.DBAPIError):
            for part in statement.split(";"):
                conn.execute(sa.text(part))
    reader.dispose()
