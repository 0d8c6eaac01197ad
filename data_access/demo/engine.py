"""Opening the demo database: built on first use, then opened read-only like any other.

This is the one place that both knows where the welfare database is (``data_access.db``) and
can build the demo; ``db`` itself never imports the demo, so the layering has no cycle.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from ..db import DEMO_PATH, configured_url, make_engine, sqlite_file_url
from .generator import Progress
from .load import build_demo_file


def demo_engine(path: Path = DEMO_PATH, progress: Progress | None = None) -> Engine:
    """A read-only engine on the demo database, building it first when the file is missing."""
    if not path.is_file():
        build_demo_file(path, progress=progress)
    return make_engine(sqlite_file_url(path, read_only=True))


def open_welfare_engine(progress: Progress | None = None) -> tuple[Engine, bool]:
    """The dashboard's read-only engine and whether it is the embedded demo database."""
    url = configured_url()
    if url is None:
        return demo_engine(progress=progress), True
    return make_engine(url), False
