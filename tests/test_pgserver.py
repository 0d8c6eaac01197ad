"""Tests of the throw-away PostgreSQL server helper (devtools/pgserver.py).

Without the server binaries these tests are skipped locally, but they fail
when CI=true: CI must never silently skip PostgreSQL.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import NoReturn

import psycopg
import pytest
import sqlalchemy as sa

from devtools.pgserver import (
    PostgresUnavailable,
    create_database,
    temporary_postgres,
)


def _unavailable(exc: PostgresUnavailable) -> NoReturn:
    """Skip locally, fail on CI (CI=true)."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is required on CI: {exc}", pytrace=False)
    pytest.skip(f"PostgreSQL not available: {exc}")


@pytest.fixture(scope="module")
def admin_url() -> Iterator[str]:
    """One server for the module; each test creates its own database on it."""
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(temporary_postgres())
        except PostgresUnavailable as exc:
            _unavailable(exc)
        yield url


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def test_roundtrip_with_bound_parameters(admin_url: str) -> None:
    url = create_database(admin_url, "roundtrip")
    assert sa.make_url(url).database == "roundtrip"
    engine = _engine(url)
    tricky = "O'Brien; DROP TABLE t; -- ünïcødé"
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (id integer PRIMARY KEY, name text NOT NULL)"))
        conn.execute(
            sa.text("INSERT INTO t (id, name) VALUES (:id, :name)"),
            {"id": 1, "name": tricky},
        )
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT id, name FROM t WHERE id = :id"), {"id": 1}).one()
        assert tuple(row) == (1, tricky)
        assert conn.execute(sa.text("SHOW server_encoding")).scalar_one() == "UTF8"
    engine.dispose()


def test_databases_are_independent(admin_url: str) -> None:
    first = _engine(create_database(admin_url, "independent_a"))
    second = _engine(create_database(admin_url, "independent_b"))
    with first.begin() as conn:
        conn.execute(sa.text("CREATE TABLE only_in_a (x integer)"))
        conn.execute(sa.text("INSERT INTO only_in_a VALUES (:x)"), {"x": 42})
    assert sa.inspect(first).has_table("only_in_a")
    assert not sa.inspect(second).has_table("only_in_a")
    with second.begin() as conn:
        conn.execute(sa.text("CREATE TABLE only_in_a (x integer)"))  # same name, no clash
    with second.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM only_in_a")).scalar_one() == 0
    with first.connect() as conn:
        assert conn.execute(sa.text("SELECT x FROM only_in_a")).scalar_one() == 42
    first.dispose()
    second.dispose()


def test_create_database_rejects_bad_names() -> None:
    for name in ("", "1abc", 'x"; DROP DATABASE postgres; --', "a-b", "a" * 64):
        with pytest.raises(ValueError, match="not a valid database name"):
            create_database("postgresql+psycopg://postgres@127.0.0.1:1/postgres", name)


def test_server_is_stopped_on_exit() -> None:
    try:
        with temporary_postgres() as url:
            port = sa.make_url(url).port
            with psycopg.connect(host="127.0.0.1", port=port, user="postgres") as conn:
                assert conn.execute("SELECT 1").fetchone() == (1,)
    except PostgresUnavailable as exc:
        _unavailable(exc)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(host="127.0.0.1", port=port, user="postgres", connect_timeout=2)
