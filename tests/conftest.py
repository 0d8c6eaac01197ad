"""Shared fixtures: the demo database on a real SQLite file and on a real PostgreSQL server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import streamlit as st
from sqlalchemy.engine import Engine

from data_access.db import make_engine, sqlite_file_url
from data_access.demo.load import build_demo, build_demo_file
from devtools.pgserver import PostgresUnavailable, create_database, temporary_postgres
from tests import writable

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def demo_sqlite_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly built demo database file, shared by the whole session (read-only use)."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    build_demo_file(path)
    return path


@pytest.fixture(scope="session")
def refreshed_demo_sqlite(demo_sqlite_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo file with its summaries refreshed, which tests that write copy."""
    return writable.refreshed_demo_sqlite(demo_sqlite_path, tmp_path_factory.mktemp("refreshed"))


@pytest.fixture(scope="session")
def demo_pg_template(pg_admin_url: str) -> str:
    """The name of a database holding the demo as built, nobody connected to it: tests copy it
    (``CREATE DATABASE … TEMPLATE``, a tenth of a second) instead of building the demo (~4 s)."""
    url = create_database(pg_admin_url, "welfare_demo_template")
    writer = sa.create_engine(url)
    try:
        build_demo(writer)
    finally:
        writer.dispose()
    return "welfare_demo_template"


@pytest.fixture(scope="session")
def refreshed_demo_pg(pg_admin_url: str, demo_pg_template: str) -> str:
    """The same with its summaries refreshed, which tests that write copy (instead of a build
    and a refresh, ~15 s)."""
    return writable.refreshed_demo_pg(pg_admin_url, "welfare_demo_refreshed", demo_pg_template)


@pytest.fixture(scope="session")
def sqlite_engine(demo_sqlite_path: Path) -> Iterator[Engine]:
    """The dashboard's read-only engine on the demo SQLite file."""
    engine = make_engine(sqlite_file_url(demo_sqlite_path, read_only=True))
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """A private PostgreSQL server for the session; never skipped in CI."""
    try:
        with temporary_postgres() as url:
            yield url
    except PostgresUnavailable as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI: {exc}")
        pytest.skip(f"PostgreSQL not available here: {exc}")


@pytest.fixture(scope="session")
def pg_demo_url(pg_admin_url: str, demo_pg_template: str) -> str:
    """The demo database loaded into PostgreSQL (writable URL, for setup only)."""
    return create_database(pg_admin_url, "welfare_demo", template=demo_pg_template)


@pytest.fixture(scope="session")
def pg_engine(pg_demo_url: str) -> Iterator[Engine]:
    """The dashboard's read-only engine on the PostgreSQL demo database."""
    engine = make_engine(pg_demo_url)
    yield engine
    engine.dispose()


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def engine(request: pytest.FixtureRequest) -> Engine:
    """The demo database on each engine: every test using it runs on SQLite and PostgreSQL."""
    name = "sqlite_engine" if request.param == "sqlite" else "pg_engine"
    return request.getfixturevalue(name)


def _clear_streamlit_caches() -> None:
    """Empty Streamlit's data and resource caches, so an app test sees only its own database."""
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def users_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty user store of the test's own (never data/users.sqlite)."""
    url = f"sqlite:///{tmp_path / 'users.sqlite'}"
    monkeypatch.setenv("WELFARE_USERS_URL", url)
    monkeypatch.delenv("WELFARE_DEMO_USERS", raising=False)
    return url


@pytest.fixture
def app_env(
    demo_sqlite_path: Path, users_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Point the app at the session's demo SQLite file (not data/) with fresh Streamlit caches."""
    monkeypatch.setenv("WELFARE_DB_URL", f"sqlite:///{demo_sqlite_path}")
    _clear_streamlit_caches()
    yield demo_sqlite_path
    _clear_streamlit_caches()


@pytest.fixture
def app_pg_env(pg_demo_url: str, users_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the app at the PostgreSQL demo database with fresh Streamlit caches."""
    monkeypatch.setenv("WELFARE_DB_URL", pg_demo_url)
    _clear_streamlit_caches()
    yield pg_demo_url
    _clear_streamlit_caches()
