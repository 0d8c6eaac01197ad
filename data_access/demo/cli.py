"""Command line: ``python -m data_access.demo [--url URL] [--scale N] [--seed S]``."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable

import sqlalchemy as sa

from ..db import DEMO_PATH, parse_url, shown
from .facts import SEED
from .load import build_demo, build_demo_file


def print_progress(fraction: float, message: str) -> None:
    """One progress line on stderr, rewritten in place."""
    print(f"\r{fraction:6.1%} {message:<50}", end="", file=sys.stderr, flush=True)


def main(argv: Iterable[str] | None = None) -> int:
    """Build the demo into a SQLite file (default: ``data/demo.sqlite``) or a database URL."""
    parser = argparse.ArgumentParser(
        prog="python -m data_access.demo", description="Build the demo welfare database."
    )
    parser.add_argument("--url", help="database URL (default: the demo SQLite file under data/)")
    parser.add_argument("--scale", type=int, default=1, help="copies of the district (default 1)")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.scale < 1:
        parser.error("--scale must be at least 1")
    started = time.perf_counter()
    if args.url:
        engine = sa.create_engine(parse_url(args.url))
        count = build_demo(engine, args.scale, args.seed, print_progress)
        target = shown(engine.url)
    else:
        count = build_demo_file(DEMO_PATH, args.scale, args.seed, print_progress)
        target = str(DEMO_PATH)
    print(
        f"\n{count:,} rows written to {target} in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    return 0
