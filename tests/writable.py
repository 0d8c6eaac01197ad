"""A demo database a test may write to, on SQLite or PostgreSQL, with fresh summaries."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access.db import sqlite_file_url
from data_access.demo import build_demo
from data_access.summaries import refresh
from devtools.pgserver import create_database


def writable_demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, name: str
) -> tuple[Engine, str]:
    """(a writing engine, the URL to open read-only) on a copy of the demo for the fixture's
    engine (``request.param``: "sqlite" or "postgresql"), its summaries refreshed."""
    if request.param == "sqlite":
        copy = tmp_path_factory.mktemp(name) / "demo.sqlite"
        shutil.copy(request.getfixturevalue("demo_sqlite_path"), copy)
        writer = sa.create_engine(sqlite_file_url(copy, read_only=False))
        reader_url = sqlite_file_url(copy, read_only=True)
    else:
        reader_url = create_database(request.getfixturevalue("pg_admin_url"), f"{name}_test")
        writer = sa.create_engine(reader_url)
        build_demo(writer)
    refresh(writer)
    return writer, reader_url
