"""Back up and restore what the application writes itself (issue 17 §4).

    python -m auth.backup save FILE [--welfare-url URL]
    python -m auth.backup restore FILE [--welfare-url URL]

What: the accounts (``app_user``, with their password hashes) and the audit trail
(``audit_entry``, ``audit_subject``) of the user store (``WELFARE_USERS_URL`` or
data/users.sqlite), and the import log (``import_log``) of the welfare database (``--welfare-url``
or the dashboard's ``WELFARE_DB_URL``; left out, and said so, when neither is set). Open sessions
and sign-in counters are not kept: they live minutes, and a restore ends them. The welfare
records themselves are the district's database, backed up with its own tools (pg_dump).

FILE is one SQLite file, written beside its final name and renamed into place only when complete,
from one consistent read of each database (a snapshot: REPEATABLE READ on PostgreSQL). It works
between engines (a SQLite store restores into PostgreSQL and back).

``restore`` puts the accounts and the audit trail into a user store that has neither (a new one:
it refuses to mix two histories), in one transaction, with their ids, so the trail's hashes
still link (it verifies the chain and appends a "restore" entry); with ``--welfare-url`` (the
writer connection) it adds the import-log rows that database lacks. Exit status 0 done, 2
refused (the file is not a backup, the store is not empty), with the reason.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from data_access import schema as welfare
from data_access.db import configured_url

from . import audit
from .cli import operator
from .store import UserStore, UserStoreError, app_user, open_existing, users_url

FORMAT = "1"
BATCH = 5000

backup_metadata = sa.MetaData()


def _copy(table: sa.Table) -> sa.Table:
    """The table's columns (types, keys, nullability) without foreign keys or indexes."""
    columns = [
        sa.Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
        for c in table.columns
    ]
    return sa.Table(table.name, backup_metadata, *columns)


STORE_TABLES = (app_user, audit.audit_entry, audit.audit_subject)  # in the order restored
IMPORT_LOG = welfare.import_log
COPIES = {t.name: _copy(t) for t in (*STORE_TABLES, IMPORT_LOG)}
backup_info = sa.Table(
    "backup_info",
    backup_metadata,
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)


class BackupError(Exception):
    """A backup or restore that cannot be done (the message says why)."""


@dataclass(frozen=True)
class Summary:
    """What a backup holds or a restore did: rows per table, and the audit trail's last hash."""

    rows: dict[str, int]
    last_hash: str
    import_log: bool  # the import log is in it
    intact: bool = True  # the audit trail verified when saved


def _snapshot(engine: Engine) -> Connection:
    """A connection whose reads all see one moment of the database."""
    if engine.dialect.name == "postgresql":
        conn = engine.connect().execution_options(isolation_level="REPEATABLE READ")
        conn.begin()
        return conn
    conn = engine.connect()
    conn.begin()
    # SQLite: the driver sends no BEGIN before a SELECT, so each read would see its own moment;
    # an explicit (deferred) BEGIN makes the first read fix the snapshot for all the others.
    conn.exec_driver_sql("BEGIN")
    return conn


def _columns(source: Connection, table: sa.Table) -> list[sa.ColumnElement[object]]:
    """The columns of ``table`` the source holds (a backup made before a column was added
    lacks it; the restored rows then take its default)."""
    present = {c["name"] for c in sa.inspect(source).get_columns(table.name)}
    return [c for c in table.columns if c.name in present]


def _copy_rows(source: Connection, table: sa.Table, target: Connection, into: sa.Table) -> int:
    """Every row of ``table`` into ``into``, by primary key order, in batches; how many."""
    order = list(table.primary_key.columns)
    stmt = sa.select(*_columns(source, table)).order_by(*order)
    copied = 0
    result = source.execution_options(yield_per=BATCH).execute(stmt)
    for part in result.mappings().partitions(BATCH):
        target.execute(into.insert(), [dict(r) for r in part])
        copied += len(part)
    return copied


def existing_store(url: str) -> UserStore:
    """The user store at ``url``, which must exist already (``store.open_existing``).

    :raises BackupError: there is no user store there.
    """
    try:
        return open_existing(url)
    except UserStoreError as exc:
        raise BackupError(str(exc)) from exc


def save(path: Path, store_url: str, welfare_url: str | None) -> Summary:
    """Write the backup to ``path`` (complete, or not at all).

    :raises BackupError: there is no user store at ``store_url``.
    """
    store = existing_store(store_url)
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    target = sa.create_engine(f"sqlite:///{temporary}")
    rows: dict[str, int] = {}
    try:
        backup_metadata.create_all(target)
        with target.begin() as out:
            source = _snapshot(store.engine)
            try:
                for table in STORE_TABLES:
                    rows[table.name] = _copy_rows(source, table, out, COPIES[table.name])
            finally:
                source.close()
            included = welfare_url is not None
            if welfare_url is not None:
                engine = sa.create_engine(welfare_url)
                try:
                    reader = _snapshot(engine)
                    try:
                        rows[IMPORT_LOG.name] = _copy_rows(
                            reader, IMPORT_LOG, out, COPIES[IMPORT_LOG.name]
                        )
                    finally:
                        reader.close()
                finally:
                    engine.dispose()
            # What the file holds, checked in the file: a restore compares with this.
            checked = audit.verify_connection(out)
            info = {
                "format": FORMAT,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "store": store_url.split("://")[0],
                "audit_last_hash": checked.last_hash,
                "audit_intact": "yes" if checked.intact else "no",
                "import_log": "yes" if included else "no",
                **{f"rows.{name}": str(count) for name, count in rows.items()},
            }
            out.execute(backup_info.insert(), [{"key": k, "value": v} for k, v in info.items()])
        target.dispose()
        os.replace(temporary, path)
    except BaseException:
        target.dispose()
        Path(temporary).unlink(missing_ok=True)
        raise
    finally:
        store.engine.dispose()
    return Summary(rows, checked.last_hash, included, checked.intact)


def _read_info(source: Connection) -> dict[str, str]:
    try:
        info = dict(source.execute(sa.select(backup_info.c.key, backup_info.c.value)).all())
    except sa.exc.DBAPIError as exc:
        raise BackupError("this file is not a backup of the dashboard") from exc
    if info.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {info.get('format')!r}")
    return {str(k): str(v) for k, v in info.items()}


def _count(conn: Connection, table: sa.Table) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0)


def _reset_sequence(conn: Connection, table: sa.Table) -> None:
    """PostgreSQL: the id sequence continues after the ids restored."""
    if conn.dialect.name != "postgresql":
        return
    following = sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0) + 1).scalar_subquery()
    sequence = sa.func.pg_get_serial_sequence(table.name, "id")
    conn.execute(sa.select(sa.func.setval(sequence, following, False)))


NOT_EMPTY = (
    "the user store already holds accounts or audit entries: restore into a new one (set "
    "WELFARE_USERS_URL to an empty database)"
)


def restore(path: Path, store_url: str, welfare_url: str | None) -> Summary:
    """Put the backup at ``path`` into an empty user store (and the import log's missing rows
    into ``welfare_url``, first: a restore run again adds nothing twice)."""
    if not path.is_file():
        raise BackupError(f"no file {path}")
    source_engine = sa.create_engine(
        f"sqlite:///file:{path.resolve()}?mode=ro&uri=true", poolclass=sa.NullPool
    )
    store = UserStore(store_url)
    rows: dict[str, int] = {}
    try:
        with source_engine.connect() as source:
            try:
                info = _read_info(source)
            except sa.exc.DBAPIError as exc:  # pragma: no cover - _read_info says it
                raise BackupError("this file is not a backup of the dashboard") from exc
            with store.engine.connect() as conn:  # refused before anything is written anywhere
                if _count(conn, app_user) or _count(conn, audit.audit_entry):
                    raise BackupError(NOT_EMPTY)
            included = welfare_url is not None and info.get("import_log") == "yes"
            if welfare_url is not None and included:
                rows[IMPORT_LOG.name] = _restore_import_log(source, welfare_url)
            intact = info.get("audit_intact", "yes") == "yes"
            with store.engine.begin() as conn:
                audit.lock(conn)  # no entry is written meanwhile
                if _count(conn, app_user) or _count(conn, audit.audit_entry):
                    raise BackupError(NOT_EMPTY)
                for table in STORE_TABLES:
                    rows[table.name] = _copy_rows(source, COPIES[table.name], conn, table)
                    if table is not audit.audit_subject:
                        _reset_sequence(conn, table)
                checked = audit.verify_connection(conn)
                if checked.last_hash != info["audit_last_hash"] or checked.intact != intact:
                    added = rows.get(IMPORT_LOG.name, 0)
                    raise BackupError(
                        "the backup's audit trail is not what it was when saved: nothing was "
                        "restored to the user store"
                        + (
                            f" ({added} import-log rows were added; a rerun adds none)"
                            if added
                            else ""
                        )
                    )
                note = {"file": path.name, "created_at": info["created_at"], "intact": intact}
                audit.append(conn, audit.Entry(audit.RESTORE, operator(), path.name, note))
    finally:
        source_engine.dispose()
        store.engine.dispose()
    return Summary(rows, info["audit_last_hash"], included, intact)


# What tells two import-log rows apart, without their ids (each database numbers its own).
_LOG_KEY = ("kind", "admin_unit_id", "month", "file_name", "sha256", "loaded_at")


def _restore_import_log(source: Connection, welfare_url: str) -> int:
    """Add the import-log rows the welfare database lacks (the same batch, file and moment),
    numbered by that database; how many. Needs INSERT on import_log only."""
    engine = sa.create_engine(welfare_url)
    added = 0
    key = [IMPORT_LOG.c[name] for name in _LOG_KEY]
    try:
        with engine.begin() as conn:
            present = {tuple(r) for r in conn.execute(sa.select(*key))}
            copy = COPIES[IMPORT_LOG.name]
            columns = [c for c in _columns(source, copy) if c.name != "id"]
            result = source.execute(sa.select(*columns).order_by(copy.c.id))
            for part in result.mappings().partitions(BATCH):
                missing = [
                    dict(r) for r in part if tuple(r[name] for name in _LOG_KEY) not in present
                ]
                if missing:
                    conn.execute(IMPORT_LOG.insert(), missing)
                    added += len(missing)
    finally:
        engine.dispose()
    return added


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``save`` or ``restore``; 0 done, 2 refused."""
    parser = argparse.ArgumentParser(
        prog="python -m auth.backup",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("save", "write a backup file"), ("restore", "restore a backup file")):
        command = sub.add_parser(name, help=text)
        command.add_argument("file", type=Path)
        command.add_argument(
            "--welfare-url",
            help="the welfare database for the import log (save: default WELFARE_DB_URL; "
            "restore: the writer connection, WELFARE_WRITER_URL)",
        )
    args = parser.parse_args(argv)
    store_url = users_url()
    try:
        if args.command == "save":
            welfare_url = args.welfare_url or configured_url()
            done = save(args.file, store_url, welfare_url)
        else:
            welfare_url = args.welfare_url or os.environ.get("WELFARE_WRITER_URL") or None
            done = restore(args.file, store_url, welfare_url)
    except (BackupError, sa.exc.DBAPIError, OSError) as exc:
        reason = exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc
        print(f"error: {reason}", file=sys.stderr)
        return 2
    counts = ", ".join(f"{name} {count}" for name, count in done.rows.items())
    left_out = "" if done.import_log else "; import log not included (no welfare database)"
    print(f"ok: {args.command} {args.file}: {counts}; audit last hash {done.last_hash}{left_out}")
    if not done.intact:
        print(
            "warning: the audit trail did not verify when saved (python -m auth.audit verify "
            "names the break); it is kept as it was",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
