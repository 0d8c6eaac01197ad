"""Where the import path writes: its own connection, never the dashboard's read-only one.

Order of precedence: ``WELFARE_WRITER_URL`` in the environment, then
``[connections.welfare_writer] url`` in ``.streamlit/secrets.toml``; with neither, and only
while the dashboard runs on the built-in demo database (no ``WELFARE_DB_URL`` or
``[connections.welfare]``), the demo's file opened for writing, so that the demo can show the
import page at work. A deployment that names its own database must name the writer too (the
README gives the PostgreSQL role for it): otherwise the page says that loading is not set up.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from data_access import db
from data_access.errors import DatabaseURLError

WRITER_ENV = "WELFARE_WRITER_URL"


def writer_url(secrets_path: Path = db.SECRETS_PATH) -> str | None:
    """The URL the import path writes through, or None when none is configured.

    :raises DatabaseURLError: ``secrets.toml`` cannot be read.
    """
    url = os.environ.get(WRITER_ENV, "").strip()
    if url:
        return url
    if secrets_path.is_file():
        try:
            secrets = tomllib.loads(secrets_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise DatabaseURLError(str(secrets_path), f"secrets.toml: {exc}") from exc
        value = secrets.get("connections", {}).get("welfare_writer", {}).get("url")
        if value:
            return str(value)
    if db.configured_url(secrets_path) is None and db.DEMO_PATH.is_file():
        return db.sqlite_file_url(db.DEMO_PATH, read_only=False).render_as_string(False)
    return None
