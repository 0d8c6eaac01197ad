"""Where the welfare database is, and a read-only engine for it.

Order of precedence: ``WELFARE_DB_URL`` in the environment, then ``[connections.welfare] url``
in ``.streamlit/secrets.toml``, then the embedded demo database ``data/demo.sqlite`` (built on
first use by ``data_access.demo.demo_engine``: this module does not import the demo, which builds
on it). The dashboard only ever reads: SQLite is opened with ``mode=ro`` and PostgreSQL
sessions run with ``default_transaction_read_only=on`` (use a read-only role as well; see README).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from .errors import DatabaseUnavailableError, DatabaseURLError
from .txcache import READ_ONLY_OPTION

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_PATH = PROJECT_ROOT / "data" / "demo.sqlite"
SECRETS_PATH = PROJECT_ROOT / ".streamlit" / "secrets.toml"
ENV_VAR = "WELFARE_DB_URL"
SUPPORTED_BACKENDS = ("sqlite", "postgresql")
CONNECT_TIMEOUT_S = 5  # a meeting cannot wait longer than this for an unreachable server
# A server that vanishes without closing its connections (a network cut, a host that died)
# leaves pooled connections that look alive: TCP keepalives and a send timeout make the pool's
# pre-ping fail within seconds instead of waiting out TCP's retransmissions (many minutes).
PG_LIVENESS: dict[str, object] = {
    "keepalives": 1,
    "keepalives_idle": 30,  # s of silence before the first probe
    "keepalives_interval": 5,  # s between probes
    "keepalives_count": 3,  # probes unanswered before the connection is dead
    "tcp_user_timeout": CONNECT_TIMEOUT_S * 1000,  # ms a sent packet may stay unacknowledged
}


def configured_url(secrets_path: Path = SECRETS_PATH) -> str | None:
    """The configured database URL, or None when the demo database should be used."""
    url = os.environ.get(ENV_VAR, "").strip()
    if url:
        return url
    if secrets_path.is_file():
        try:
            secrets = tomllib.loads(secrets_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise DatabaseURLError(str(secrets_path), f"secrets.toml: {exc}") from exc
        value = secrets.get("connections", {}).get("welfare", {}).get("url")
        if value:
            return str(value)
    return None


def shown(url: str | URL) -> str:
    """The URL with any password hidden, safe to show in a message."""
    try:
        parsed = url if isinstance(url, URL) else make_url(url)
    except ArgumentError:
        return str(url)[:80]
    return parsed.render_as_string(hide_password=True)


def parse_url(url: str | URL) -> URL:
    """Parse and check a database URL; raise ``DatabaseURLError`` naming it when it is bad."""
    try:
        parsed = url if isinstance(url, URL) else make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise DatabaseURLError(str(url)[:80], "không đọc được địa chỉ / unparseable") from exc
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        raise DatabaseURLError(
            shown(parsed), f"chỉ hỗ trợ sqlite và postgresql / unsupported '{parsed.drivername}'"
        )
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def sqlite_file_url(path: Path, read_only: bool) -> URL:
    """A SQLite URL for ``path``; read-only opens it with ``mode=ro`` so writes fail."""
    if not read_only:
        return make_url(f"sqlite:///{path}")
    return make_url(f"sqlite:///file:{path}?mode=ro&uri=true")


def make_engine(url: str | URL, read_only: bool = True) -> Engine:
    """Create an engine for ``url`` and check it answers.

    :raises DatabaseURLError: the URL is malformed or names an unsupported engine.
    :raises DatabaseUnavailableError: the database cannot be reached or opened.
    """
    parsed = parse_url(url)
    connect_args: dict[str, object] = {}
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        path = database.removeprefix("file:").split("?")[0]
        if path and path != ":memory:" and not Path(path).is_file():
            raise DatabaseUnavailableError(shown(parsed), f"không có tệp «{path}»")
        if read_only and "mode=ro" not in str(parsed) and path and path != ":memory:":
            parsed = sqlite_file_url(Path(path), read_only=True)
    else:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_S
        connect_args.update(PG_LIVENESS)
        if read_only:
            connect_args["options"] = "-c default_transaction_read_only=on"
    try:
        # pool_pre_ping: a pooled connection is checked before use and replaced when the server
        # has gone away and come back, so the engine recovers without a restart.
        engine = sa.create_engine(parsed, connect_args=connect_args, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError, ValueError, TypeError) as exc:
        raise DatabaseURLError(shown(parsed), str(exc).splitlines()[0]) from exc
    if read_only:  # values read once per transaction where no write of its own can move them
        engine = engine.execution_options(**{READ_ONLY_OPTION: True})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except DBAPIError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailableError(shown(parsed), reason) from exc
    return engine
