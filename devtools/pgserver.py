"""Throw-away PostgreSQL servers for tests and benchmarks.

``temporary_postgres()`` starts a private PostgreSQL cluster in a temporary
directory, on a free TCP port of 127.0.0.1, and yields a SQLAlchemy URL for
its ``postgres`` superuser (trust authentication, no password).  On exit the
server is stopped and the directory removed.  Durability is switched off
(``fsync``, ``synchronous_commit``, ``full_page_writes``), so it is fast and
must never hold data anyone cares about.

``postgres_server()`` does the same but yields a ``PostgresServer``, whose
``stop()`` and ``start()`` take the same cluster down and up again on the same
port: a database that goes away and comes back, for outage tests.

``create_database()`` creates a fresh, empty database on such a server and
returns its URL, so tests can share one server but not their data.

The server binaries are taken from ``pg_config --bindir`` when that directory
holds them, else from the highest version under ``/usr/lib/postgresql/*/bin``
(Debian's layout).  ``initdb`` and ``postgres`` refuse to run as root, so when
the current user is root they run as the ``postgres`` OS user through
``runuser``.

This module deliberately does not import pytest: benchmarks reuse it.

Example::

    with temporary_postgres() as admin_url:
        url = create_database(admin_url, "demo")
        engine = sqlalchemy.create_engine(url)
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import psycopg
import sqlalchemy as sa

__all__ = [
    "PostgresServer",
    "PostgresStartError",
    "PostgresUnavailable",
    "create_database",
    "find_bindir",
    "postgres_server",
    "temporary_postgres",
]

DEBIAN_GLOB = "/usr/lib/postgresql/*/bin"
"""Where Debian installs the server binaries, one directory per major version."""

REQUIRED_BINARIES = ("initdb", "pg_ctl", "postgres")
SERVICE_USER = "postgres"
"""OS user the server runs as when we are root (it refuses to run as root)."""

_STARTUP_TIMEOUT_S = 60
_PORT_ATTEMPTS = 3
_LOG_TAIL_LINES = 40
# A Unix socket path must fit in sun_path (108 bytes on Linux), including
# the file name ".s.PGSQL.<port>" that the server appends.
_MAX_SOCKET_DIR_LEN = 80
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server binaries (or the OS user to run them) are missing."""


class PostgresStartError(RuntimeError):
    """The binaries exist, but the temporary server could not be set up or started."""


def find_bindir() -> Path:
    """Return the directory holding ``initdb``, ``pg_ctl`` and ``postgres``.

    Tries ``pg_config --bindir`` first, then the highest version under
    ``/usr/lib/postgresql/*/bin``.  Raises ``PostgresUnavailable`` naming
    every place searched when none has all three binaries.
    """
    searched: list[str] = []
    candidates: list[Path] = []

    pg_config = shutil.which("pg_config")
    if pg_config is None:
        searched.append("pg_config (not on PATH)")
    else:
        try:
            out = subprocess.run(
                [pg_config, "--bindir"],
                capture_output=True,
                text=True,
                check=True,
                timeout=30,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError) as exc:
            searched.append(f"{pg_config} --bindir (failed: {exc})")
        else:
            searched.append(f"{pg_config} --bindir -> {out}")
            if out:
                candidates.append(Path(out))

    searched.append(DEBIAN_GLOB)
    candidates.extend(
        sorted(Path("/").glob(DEBIAN_GLOB.lstrip("/")), key=_version_key, reverse=True)
    )

    for bindir in candidates:
        if all(os.access(bindir / name, os.X_OK) for name in REQUIRED_BINARIES):
            return bindir
    raise PostgresUnavailable(
        f"PostgreSQL server binaries ({', '.join(REQUIRED_BINARIES)}) not found; "
        f"searched: {'; '.join(searched)}. "
        "Install them, e.g. `apt-get install postgresql` on Debian."
    )


class PostgresServer:
    """A running private cluster: its URL, and ``stop()``/``start()`` on the same port.

    Made by ``postgres_server()``; the ``with`` block owns it (``stop`` and ``start`` may be
    called any number of times inside it, and the block's end stops and removes it either way).
    """

    def __init__(self, bindir: Path, run_as: Sequence[str], root: Path, port: int) -> None:
        self._bindir = bindir
        self._run_as = list(run_as)
        self._root = root
        self.port = port

    @property
    def url(self) -> str:
        """``postgresql+psycopg://postgres@127.0.0.1:PORT/postgres``: the superuser, no password."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def running(self) -> bool:
        """Whether the postmaster of this cluster is up (its pid file exists)."""
        return (self._root / "data" / "postmaster.pid").exists()

    def stop(self) -> None:
        """Stop the server at once (``pg_ctl -m immediate``): open connections just die."""
        _stop(self._bindir, self._run_as, self._root / "data", cwd=self._root)

    def start(self) -> None:
        """Start the stopped cluster again on the same port; return once it accepts queries.

        :raises PostgresStartError: the server did not start (e.g. the port was taken meanwhile).
        """
        result = _pg_ctl_start(
            self._bindir,
            self._run_as,
            self._root / "data",
            self._root / "sock",
            self._root / "server.log",
            self.port,
            cwd=self._root,
        )
        if result.returncode != 0:
            raise PostgresStartError(
                f"pg_ctl start (port {self.port}) exited with {result.returncode}:\n"
                f"{_tail(result.stdout + result.stderr)}\n"
                f"--- tail of server log ---\n{_read_tail(self._root / 'server.log')}"
            )
        _wait_until_accepting(self.port, self._root / "server.log")


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Run a private PostgreSQL server for the ``with`` block; yield it (URL, stop, start).

    Raises ``PostgresUnavailable`` if the binaries are missing and ``PostgresStartError``
    (including the tail of the server log) if the server cannot be initialised or started.
    """
    bindir = find_bindir()
    run_as = _service_user_prefix()
    root = _make_workdir(run_as)
    data_dir = root / "data"
    socket_dir = root / "sock"
    log_file = root / "server.log"
    try:
        socket_dir.mkdir()
        if run_as:
            _chown_to_service_user(socket_dir)
        _initdb(bindir, run_as, data_dir, cwd=root)
        port = _start(bindir, run_as, data_dir, socket_dir, log_file, cwd=root)
        _wait_until_accepting(port, log_file)
        yield PostgresServer(bindir, run_as, root, port)
    finally:
        # Also after a failed start: pg_ctl -w may time out with the server up.
        if (data_dir / "postmaster.pid").exists():
            _stop(bindir, run_as, data_dir, cwd=root)
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def temporary_postgres() -> Iterator[str]:
    """Run a private PostgreSQL server for the duration of the ``with`` block.

    Yields ``postgresql+psycopg://postgres@127.0.0.1:PORT/postgres``.  Raises
    ``PostgresUnavailable`` if the binaries are missing and
    ``PostgresStartError`` (including the tail of the server log) if the
    server cannot be initialised or started.
    """
    with postgres_server() as server:
        yield server.url


def create_database(admin_url: str, name: str, template: str | None = None) -> str:
    """Create the database ``name`` on the server of ``admin_url``: empty, or a copy of the
    database ``template`` when one is given (nobody may be connected to that one).

    ``name`` must be a plain SQL identifier (letters, digits, underscores, not
    starting with a digit, at most 63 characters); it is quoted, so its case
    is kept.  Returns the URL of the new database (``admin_url`` with the
    database replaced).
    """
    for identifier in (name, template):
        if identifier is not None and not _IDENTIFIER.fullmatch(identifier):
            raise ValueError(f"not a valid database name: {identifier!r}")
    copied = f' TEMPLATE "{template}"' if template is not None else ""
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"{copied}')
    finally:
        engine.dispose()
    url = sa.make_url(admin_url).set(database=name)
    return url.render_as_string(hide_password=False)


# --- internals -------------------------------------------------------------


def _version_key(path: Path) -> tuple[int, ...]:
    """Sort key for ``/usr/lib/postgresql/<version>/bin`` (``15`` < ``9.6`` fixed)."""
    version = path.parent.name
    return tuple(int(part) for part in re.findall(r"\d+", version)) or (-1,)


def _service_user_prefix() -> list[str]:
    """Command prefix that runs a program as the service user (empty if not root)."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        raise PostgresUnavailable(
            f"running as root, but there is no {SERVICE_USER!r} OS user to run "
            "PostgreSQL as (initdb and postgres refuse to run as root)"
        ) from None
    runuser = shutil.which("runuser")
    if runuser is None:
        raise PostgresUnavailable("running as root, but `runuser` (util-linux) is not on PATH")
    return [runuser, "-u", SERVICE_USER, "--"]


def _chown_to_service_user(path: Path) -> None:
    entry = pwd.getpwnam(SERVICE_USER)
    os.chown(path, entry.pw_uid, entry.pw_gid)


def _make_workdir(run_as: Sequence[str]) -> Path:
    """Create the temporary directory, usable by whoever runs the server.

    As root the directory is given to the service user, and it must be
    reachable by that user: if the default temporary directory (``$TMPDIR``)
    sits below a directory the service user cannot traverse, or its path is
    too long for a Unix socket, ``/tmp`` is used instead.
    """
    bases = [tempfile.gettempdir()]
    if "/tmp" not in bases:
        bases.append("/tmp")
    problems: list[str] = []
    for base in bases:
        root = Path(tempfile.mkdtemp(prefix="pgtest-", dir=base))
        if len(str(root / "sock")) > _MAX_SOCKET_DIR_LEN:
            problems.append(f"{root}: path too long for a Unix socket")
            shutil.rmtree(root, ignore_errors=True)
            continue
        if not run_as:
            return root
        _chown_to_service_user(root)
        check = subprocess.run(
            [
                *run_as,
                "test",
                "-r",
                str(root),
                "-a",
                "-w",
                str(root),
                "-a",
                "-x",
                str(root),
            ],
            capture_output=True,
            timeout=30,
            check=False,
        )
        if check.returncode == 0:
            return root
        problems.append(f"{root}: not accessible to the {SERVICE_USER!r} user")
        shutil.rmtree(root, ignore_errors=True)
    raise PostgresStartError(
        "could not create a usable temporary directory: " + "; ".join(problems)
    )


def _clean_env() -> dict[str, str]:
    """Our environment minus libpq/server variables (PGDATA, PGPORT, ...)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def _run(cmd: Sequence[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(cmd),
        cwd=cwd,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _initdb(bindir: Path, run_as: Sequence[str], data_dir: Path, cwd: Path) -> None:
    base = [
        *run_as,
        str(bindir / "initdb"),
        "-D",
        str(data_dir),
        "--auth=trust",
        "--username=postgres",
        "--encoding=UTF8",
        "--no-sync",  # throw-away cluster: skip the final fsync (saves time)
    ]
    failures: list[str] = []
    for locale in ("C.UTF-8", "C"):
        result = _run([*base, f"--locale={locale}"], cwd=cwd, timeout=120)
        if result.returncode == 0:
            return
        failures.append(
            f"--locale={locale} exited with {result.returncode}:\n"
            f"{_tail(result.stdout + result.stderr)}"
        )
        # initdb cleans up after itself on failure; be sure before retrying.
        shutil.rmtree(data_dir, ignore_errors=True)
    raise PostgresStartError("initdb failed:\n" + "\n".join(failures))


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start(
    bindir: Path,
    run_as: Sequence[str],
    data_dir: Path,
    socket_dir: Path,
    log_file: Path,
    cwd: Path,
) -> int:
    """Start the server and return its port (retrying if the port was taken)."""
    last_error = ""
    for _ in range(_PORT_ATTEMPTS):
        port = _free_port()
        result = _pg_ctl_start(bindir, run_as, data_dir, socket_dir, log_file, port, cwd)
        if result.returncode == 0:
            return port
        log_tail = _read_tail(log_file)
        last_error = (
            f"pg_ctl start (port {port}) exited with {result.returncode}:\n"
            f"{_tail(result.stdout + result.stderr)}\n"
            f"--- tail of server log {log_file} ---\n{log_tail}"
        )
        if "Address already in use" not in log_tail:
            break
        # Lost the race for the port with another process: try another one.
    raise PostgresStartError(f"PostgreSQL did not start.\n{last_error}")


def _pg_ctl_start(
    bindir: Path,
    run_as: Sequence[str],
    data_dir: Path,
    socket_dir: Path,
    log_file: Path,
    port: int,
    cwd: Path,
) -> subprocess.CompletedProcess[str]:
    """``pg_ctl start`` the cluster on ``port`` and wait (``-w``) until it is up."""
    options = (
        f"-p {port} -k {shlex.quote(str(socket_dir))} "
        "-c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off"
    )
    cmd = [
        *run_as,
        str(bindir / "pg_ctl"),
        "-D",
        str(data_dir),
        "-o",
        options,
        "-l",
        str(log_file),
        "-w",
        "-t",
        str(_STARTUP_TIMEOUT_S),
        "start",
    ]
    return _run(cmd, cwd=cwd, timeout=_STARTUP_TIMEOUT_S + 30)


def _wait_until_accepting(port: int, log_file: Path) -> None:
    """Poll until the server accepts a TCP connection (pg_ctl -w uses the socket)."""
    deadline = time.monotonic() + _STARTUP_TIMEOUT_S
    while True:
        try:
            with psycopg.connect(
                host="127.0.0.1",
                port=port,
                user="postgres",
                dbname="postgres",
                connect_timeout=5,
            ) as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline:
                raise PostgresStartError(
                    f"PostgreSQL started but does not accept connections on "
                    f"127.0.0.1:{port}: {exc}\n"
                    f"--- tail of server log {log_file} ---\n{_read_tail(log_file)}"
                ) from exc
            time.sleep(0.05)


def _stop(bindir: Path, run_as: Sequence[str], data_dir: Path, cwd: Path) -> None:
    """Stop the server fast; if pg_ctl fails, signal the postmaster directly."""
    cmd = [
        *run_as,
        str(bindir / "pg_ctl"),
        "-D",
        str(data_dir),
        "-m",
        "immediate",
        "-w",
        "stop",
    ]
    try:
        result = _run(cmd, cwd=cwd, timeout=60)
        if result.returncode == 0:
            return
    except subprocess.TimeoutExpired:
        pass
    # Fallback: the first line of postmaster.pid is the postmaster's PID.  It
    # is signalled only if that process really is this cluster's postmaster
    # (its command line names our data directory), never a recycled PID.
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int((data_dir / "postmaster.pid").read_text().splitlines()[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if os.fsencode(str(data_dir)) in cmdline:
            os.kill(pid, signal.SIGQUIT)


def _tail(text: str, lines: int = _LOG_TAIL_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _read_tail(path: Path) -> str:
    try:
        return _tail(path.read_text(errors="replace"))
    except OSError as exc:
        return f"(could not read {path}: {exc})"
