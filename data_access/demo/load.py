"""Loading the demo into a database: the schema, bulk inserts (COPY on PostgreSQL), a SQLite file.

On PostgreSQL the rows go in with COPY … FREEZE into tables whose secondary indexes and foreign
keys are created after the load (about 4× faster than maintaining them row by row, and no
VACUUM is needed). From ``PIPELINE_FROM`` district copies on, a second process generates the
rows while this one loads the previous copy: one process still generates every row in order, so
the database is exactly what a serial build writes.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .. import schema as s
from ..summaries import drop_summaries
from .facts import SEED
from .generator import Builder, Progress, report_progress
from .rows import Chunk

INSERT_BATCH = 20_000  # rows per executemany: large enough to be fast, small enough for memory
PIPELINE_FROM = 3  # copies of the district; below this, starting a process costs more than it saves
QUEUED_CHUNKS = 2  # at most two districts wait in memory between the two processes
POLL_S = 5  # how often the loader checks that the generating process is still alive


def build_demo(
    engine: Engine,
    scale: int = 1,
    seed: int = SEED,
    progress: Progress | None = None,
    seed_problems: bool = True,
) -> int:
    """Create the schema on ``engine`` (dropping an older one) and load the demo rows.

    ``seed_problems=False`` leaves out the seeded data-quality problems (issue 7): a clean
    database whose reported figures all match. Summary tables of an older database are dropped
    too: they describe other rows.

    :returns: the number of rows written.
    """
    postgres = engine.dialect.name == "postgresql"
    drop_summaries(engine)
    s.metadata.drop_all(engine)
    s.metadata.create_all(engine)
    written = 0
    with engine.begin() as conn:
        if postgres:
            drop_keys_and_indexes(conn)
        chunks = (
            Builder(scale, seed, seed_problems).build(progress)
            if scale < PIPELINE_FROM
            else generated_in_child(scale, seed, seed_problems, progress)
        )
        for chunk in chunks:
            written += insert_rows(conn, chunk, freeze=postgres)
        if postgres:
            restore_keys_and_indexes(conn)
        reset_sequences(conn)
    analyze(engine)
    return written


def build_demo_file(
    path: Path,
    scale: int = 1,
    seed: int = SEED,
    progress: Progress | None = None,
    seed_problems: bool = True,
) -> int:
    """Build the demo as a SQLite file, atomically: a half-built file never appears at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".building")
    partial.unlink(missing_ok=True)
    engine = sa.create_engine(f"sqlite:///{partial}")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=OFF")
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
        count = build_demo(engine, scale, seed, progress, seed_problems)
    finally:
        engine.dispose()
    partial.replace(path)
    return count


def generated_in_child(
    scale: int, seed: int, seed_problems: bool, progress: Progress | None
) -> Iterator[Chunk]:
    """The chunks of ``Builder(scale, seed, seed_problems)``, generated in a forked process."""
    context = multiprocessing.get_context("fork")  # the child runs the closure below
    chunks = context.Queue(maxsize=QUEUED_CHUNKS)

    def produce() -> None:
        try:
            for chunk in Builder(scale, seed, seed_problems).build():
                chunks.put(chunk)
            chunks.put(None)
        except BaseException as exc:  # handed to the parent, which raises it
            chunks.put(exc)

    child = context.Process(target=produce, name="demo-generator", daemon=True)
    child.start()
    try:
        done = 0
        while True:
            try:
                item = chunks.get(timeout=POLL_S)
            except queue.Empty:
                if not child.is_alive():
                    raise RuntimeError(
                        f"demo generator process ended with code {child.exitcode}"
                    ) from None
                continue
            if item is None:
                break
            if isinstance(item, BaseException):
                raise RuntimeError("generating the demo rows failed") from item
            done += 1
            report_progress(progress, done, scale)
            yield item
    finally:
        if child.is_alive():
            child.terminate()
        child.join()


def insert_rows(conn: Connection, chunk: Chunk, freeze: bool = False) -> int:
    """Insert a chunk's rows in dependency order (COPY on PostgreSQL, batches elsewhere).

    ``freeze``: PostgreSQL COPY … FREEZE, allowed only into tables created or truncated in the
    current transaction (``build_demo`` does that).
    """
    use_copy = conn.dialect.name == "postgresql"
    written = 0
    for table in s.metadata.sorted_tables:
        data = chunk[table.name]
        if not data:
            continue
        if use_copy:
            copy_rows(conn, table, data, freeze)
        else:
            for start in range(0, len(data), INSERT_BATCH):
                conn.execute(table.insert(), data[start : start + INSERT_BATCH])
        written += len(data)
    return written


def copy_rows(
    conn: Connection, table: sa.Table, data: list[dict[str, object]], freeze: bool = False
) -> None:
    """Bulk-load rows into PostgreSQL with COPY (psycopg 3), in column order.

    ``freeze`` writes the rows already frozen and visible (no VACUUM needed for index-only
    scans); PostgreSQL allows it only into a table created or truncated in this transaction.
    """
    columns = [c.name for c in table.columns]
    raw = conn.connection.dbapi_connection
    assert raw is not None
    with raw.cursor() as cur:  # type: ignore[attr-defined]
        cols = ", ".join(f'"{c}"' for c in columns)  # names come from our own metadata
        options = " (FREEZE)" if freeze else ""
        with cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN{options}') as copy:
            for row in data:
                copy.write_row(tuple(map(row.get, columns)))  # map: no Python-level loop


def drop_keys_and_indexes(conn: Connection) -> None:
    """PostgreSQL, before the load: no foreign keys or secondary indexes, tables truncated.

    Truncating in the load's transaction is what lets COPY … FREEZE write into the tables.
    """
    conn.execute(sa.text("SET LOCAL maintenance_work_mem = '512MB'"))  # index builds
    names = [t.name for t in s.metadata.sorted_tables]
    fk_names = conn.execute(
        sa.text(
            "SELECT t.relname, c.conname FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE c.contype = 'f' AND t.relname = ANY(:names) "
            "AND t.relnamespace = current_schema()::regnamespace"
        ),
        {"names": names},
    ).all()
    for table_name, fk_name in fk_names:  # both from the catalogue of our own tables
        conn.exec_driver_sql(f'ALTER TABLE "{table_name}" DROP CONSTRAINT "{fk_name}"')
    for table in s.metadata.sorted_tables:
        for index in table.indexes:
            conn.execute(sa.schema.DropIndex(index))
    # The change counters keep their rows: the load's own statements are counted in them.
    loaded = [t.name for t in s.counted_tables()]
    conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{n}"' for n in loaded))


def restore_keys_and_indexes(conn: Connection) -> None:
    """PostgreSQL, after the load: every index and foreign key of the schema, built once."""
    tables = s.metadata.sorted_tables
    for index in [index for t in tables for index in t.indexes]:
        conn.execute(sa.schema.CreateIndex(index))
    for fk in [fk for t in tables for fk in t.foreign_key_constraints]:
        conn.execute(sa.schema.AddConstraint(fk))


def reset_sequences(conn: Connection) -> None:
    """After loading explicit ids on PostgreSQL, move each id sequence past the largest id."""
    if conn.dialect.name != "postgresql":
        return
    for table in s.metadata.sorted_tables:
        if "id" in table.c and isinstance(table.c.id.type, sa.Integer):
            last_id = sa.select(sa.func.max(table.c.id)).scalar_subquery()
            sequence = sa.func.pg_get_serial_sequence(table.name, "id")
            conn.execute(
                sa.select(sa.func.setval(sequence, sa.func.coalesce(last_id, 0) + 1, False))
            )


def analyze(engine: Engine) -> None:
    """Fresh planner statistics for the new rows (outside a transaction on PostgreSQL)."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("ANALYZE"))
        else:
            conn.execute(sa.text("ANALYZE"))
            conn.commit()
