"""The database the benchmark builds and times: a /tmp SQLite file, ``--url``, or a private
PostgreSQL server started for the run; the build runs in a child process."""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access.db import parse_url
from data_access.demo.load import build_demo
from devtools.pgserver import create_database, temporary_postgres

# The PostgreSQL settings that shape the timings, printed with them.
SETTINGS = (
    "server_version",
    "shared_buffers",
    "work_mem",
    "effective_cache_size",
    "max_parallel_workers_per_gather",
    "jit",
    "fsync",
)
PROGRESS_STEPS = 20  # build progress lines printed for a large scale


@contextlib.contextmanager
def bench_database(args: argparse.Namespace) -> Iterator[str]:
    """The URL to build into and time; temporary files and servers go away afterwards."""
    if args.url:
        yield parse_url(args.url).render_as_string(hide_password=False)
    elif args.engine == "sqlite":
        path = Path(args.path or f"/tmp/welfare-bench-s{args.scale}.sqlite")
        try:
            yield f"sqlite:///{path}"
        finally:
            if not (args.keep or args.build_only):
                for leftover in (path, path.with_suffix(path.suffix + "-journal")):
                    leftover.unlink(missing_ok=True)
    else:
        with temporary_postgres() as admin_url:
            yield create_database(admin_url, "bench")


def build(url: str, scale: int) -> tuple[int, float, float]:
    """Build the demo in a child process: (rows, seconds, the build's peak RSS in MB).

    A child keeps the build's memory out of this process's peak, which is the dashboard's.
    """
    context = multiprocessing.get_context("fork")  # the child runs the closure below
    receive, send = context.Pipe(duplex=False)
    step = max(1, scale // PROGRESS_STEPS)

    def report(fraction: float, _: str) -> None:
        done = round(fraction * scale)
        if done % step == 0 or done == scale:
            print(f"  built {done}/{scale} districts", file=sys.stderr, flush=True)

    def work() -> None:
        started = time.perf_counter()
        engine = sa.create_engine(url)
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:  # a throw-away file: no journal, no fsync
                conn.exec_driver_sql("PRAGMA journal_mode=OFF")
                conn.exec_driver_sql("PRAGMA synchronous=OFF")
        count = build_demo(engine, scale, progress=report)
        engine.dispose()
        send.send((count, time.perf_counter() - started))

    child = context.Process(target=work, name="bench-build")
    child.start()
    send.close()
    try:
        count, seconds = receive.recv()
    except EOFError:
        child.join()
        raise RuntimeError(f"the build failed (exit code {child.exitcode})") from None
    child.join()
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return count, seconds, peak_mb


def settings(conn: Connection) -> str:
    """The PostgreSQL settings that shape these timings ("" on SQLite)."""
    if conn.dialect.name != "postgresql":
        return ""
    rows = conn.execute(
        sa.text(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name IN :names ORDER BY name"
        ).bindparams(sa.bindparam("names", expanding=True)),
        {"names": list(SETTINGS)},
    ).all()
    return ", ".join(f"{name}={value}" for name, value in rows)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
