"""A demo database a test may write to, on SQLite or PostgreSQL, with fresh summaries."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access.db import sqlite_file_url
from data_access.refresh_summaries import full_refresh
from data_access.summaries import summary_metadata
from data_access.summaries.freshness import summary_status
from data_access.summaries.tables import CHECK_TABLES, summary_info
from devtools.pgserver import create_database


def writable_demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, name: str
) -> tuple[Engine, str]:
    """(a writing engine, the URL to open read-only) on a copy of the demo for the fixture's
    engine (``request.param``: "sqlite" or "postgresql"), its summaries refreshed: a copy of
    the session's refreshed demo (``refreshed_demo_sqlite``, ``refreshed_demo_pg``)."""
    if request.param == "sqlite":
        copy = tmp_path_factory.mktemp(name) / "demo.sqlite"
        shutil.copy(request.getfixturevalue("refreshed_demo_sqlite"), copy)
        writer = sa.create_engine(sqlite_file_url(copy, read_only=False))
        reader_url = sqlite_file_url(copy, read_only=True)
    else:
        template = request.getfixturevalue("refreshed_demo_pg")
        reader_url = create_database(
            request.getfixturevalue("pg_admin_url"), f"{name}_test", template=template
        )
        writer = sa.create_engine(reader_url)
    return writer, reader_url


def refreshed_demo_sqlite(demo: Path, directory: Path) -> Path:
    """A copy of the demo file ``demo`` in ``directory``, its summaries refreshed."""
    path = directory / "demo.sqlite"
    shutil.copy(demo, path)
    writer = sa.create_engine(sqlite_file_url(path, read_only=False))
    try:
        full_refresh(writer)
    finally:
        writer.dispose()
    return path


def refreshed_demo_pg(admin_url: str, name: str, template: str) -> str:
    """A copy of the demo database ``template`` as new database ``name``, its summaries
    refreshed, and nobody left connected to it: a template in turn. Returns ``name``."""
    writer = sa.create_engine(create_database(admin_url, name, template=template))
    try:
        full_refresh(writer)
    finally:
        writer.dispose()
    return name


def summary_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every summary table's rows, sorted; of ``summary_info``, what a rebuild also writes. Not
    the data checks' candidates: an import marks them unusable instead of updating them
    (``tests/test_check_candidates.py``)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in summary_metadata.sorted_tables:
            if table in CHECK_TABLES:
                continue
            if table is summary_info:
                i = table.c
                row = conn.execute(
                    sa.select(i.data_as_of, i.stocks_from, i.stocks_to, i.payment_detail, i.rows)
                ).one()
                out[table.name] = [tuple(row)]
            else:
                out[table.name] = sorted(tuple(r) for r in conn.execute(sa.select(table)))
    return out


def assert_as_rebuilt(writer: Engine) -> None:
    """The summaries are fresh, and a full rebuild now writes exactly what they hold."""
    with writer.connect() as conn:
        status = summary_status(conn)
    assert status is not None and status.fresh
    updated = summary_rows(writer)
    full_refresh(writer)
    rebuilt = summary_rows(writer)
    for name in sorted(rebuilt, key=lambda n: n == summary_info.name):  # the counts last
        assert updated[name] == rebuilt[name], name
