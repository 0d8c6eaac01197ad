"""Loading a list: read, check, and write the batch in one transaction, or write nothing.

This is the product's one writing path. It runs on its own engine (``WELFARE_WRITER_URL``), never
on the dashboard's read-only connection. A load:

1. reads the file (``ingest.read``) — a file that is not a spreadsheet, a zip bomb or too many
   rows is refused before anything is asked of the database;
2. in one transaction: locks the batch (a commune and a month of one kind of list), checks every
   row against the database (``ingest.payments.plan``) and, when nothing blocks, makes the
   batch's rows exactly the list's (added, changed, removed), appends the import log and marks
   the batch with the file's SHA-256; any failure — a bad row, an exception at the last row, a
   lost connection, a killed process — rolls everything back;
3. in the same transaction, brings the summary tables up to date for what the list changed
   (``data_access.summaries.incremental``), when they were fresh before it; otherwise rebuilds
   them after the commit. Either way the dashboard never shows figures that disagree with the
   rows: summaries that do not match the rows are not read.

A dry run does steps 1–2 and rolls back: the problems and the changes are shown, nothing is
written. Loading the same file again finds nothing to change and writes nothing at all.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from auth.audit import IMPORT, Entry
from data_access import schema as s
from data_access.definitions import LOADED_ON_KEY, declared_load_date
from data_access.filters import Scope
from data_access.refresh_summaries import full_refresh
from data_access.summaries.freshness import SummaryStatus, summary_status
from data_access.summaries.incremental import lock_info
from data_access.summaries.tables import summary_info

from . import beneficiaries, classes, health_checks, housing, job_events, payments
from .normalise import Bilingual
from .payments import Batch, Plan, find_batch
from .problems import Problem, error
from .read import IngestFileError, ReadResult, Source, file_stamp, read_sheet, refuse

KINDS = {
    module.KIND: module
    for module in (payments, beneficiaries, housing, classes, health_checks, job_events)
}
ATTEMPTS = 3  # a load that PostgreSQL cannot serialise with another is tried again, this often
SUMMARY_WAIT_S = 60  # how long a load waits for another list's load to finish its summaries


class SchemaOutOfDateError(Bilingual):
    """The database lacks tables a load writes: it was built before them."""

    def __init__(self, missing: list[str]) -> None:
        names = ", ".join(missing)
        super().__init__(
            f"Cơ sở dữ liệu chưa có bảng {names}: chạy python -m data_access.refresh_summaries "
            "một lần để cập nhật, rồi nạp lại.",
            f"The database lacks {names}: run python -m data_access.refresh_summaries once to "
            "bring it up to date, then load again.",
        )
        self.missing = missing


class BatchBusyError(Bilingual):
    """Another load of the same batch holds it: this one wrote nothing."""

    def __init__(self) -> None:
        super().__init__(
            "Danh sách này đang được nhập ở một phiên khác. Không có gì được ghi; hãy thử lại sau.",
            "This list is being loaded in another session. Nothing was written; try again later.",
        )


class SummariesBusyError(BatchBusyError):
    """Another list's load kept the summary tables longer than a load waits for them."""

    def __init__(self) -> None:
        Bilingual.__init__(
            self,
            "Một danh sách khác đang được nhập và chưa xong. Không có gì được ghi; hãy thử lại "
            "sau ít phút.",
            "Another list is being loaded and has not finished. Nothing was written; try again "
            "in a few minutes.",
        )


@dataclass(frozen=True)
class Outcome:
    """What a load did (or, dry, would do)."""

    plan: Plan[Any]
    sha256: str
    written: bool  # the batch's rows were changed and the log appended
    dry_run: bool
    summaries_seconds: float | None = None  # bringing the summaries up to date, when it ran
    refresh_failed: bool = False  # written, but the summaries could not be refreshed after
    incremental: bool = False  # the summaries were updated in the load's own transaction

    @property
    def problems(self) -> list[Problem]:
        return self.plan.problems


def import_entry(
    outcome: Outcome,
    client: str | None,
    *,
    file_name: str,
    commune: str,
    month: date,
    user: str,
    kind: str,
    sheet: str | None = None,
    actor: str | None = None,
    **_: object,
) -> Entry:
    """The audit trail's entry for a load that wrote (``auth.audit``): who (``actor``, default
    the uploader ``user``), which file (name and SHA-256), which list, commune and month, and
    what it changed."""
    plan = outcome.plan
    detail = {
        "kind": kind,
        "user": user,
        "commune": commune,
        "month": f"{month:%Y-%m}",
        "sheet": sheet,
        "sha256": outcome.sha256,
        "added": len(plan.added),
        "changed": len(plan.changed),
        "removed": len(plan.removed),
        "unchanged": plan.unchanged,
    }
    rows = len(plan.added) + len(plan.changed) + plan.unchanged
    return Entry(IMPORT, actor or user, file_name, detail, rows, client)


def sha256(data: Source) -> str:
    if isinstance(data, bytes):
        return hashlib.sha256(data).hexdigest()
    with data.open("rb") as file:  # a file on disk: a piece at a time
        return hashlib.file_digest(file, "sha256").hexdigest()


def load_file(
    writer: Engine,
    data: Source,
    *,
    file_name: str,
    commune: str,
    month: date,
    scope: Scope,
    user: str,
    kind: str = payments.KIND,
    sheet: str | None = None,
    dry_run: bool = False,
    now: datetime | None = None,
    before_commit: Callable[[Connection], None] | None = None,
) -> Outcome:
    """Check ``data`` (an Excel list of ``kind``: its bytes, or its path — an .xlsx is then read
    from the disk as it is unpacked instead of held whole, and refused if it is saved again
    while it is read) and, unless ``dry_run`` or a row blocks it,
    make the batch (``commune``, ``month``) hold exactly its rows.

    ``before_commit``: called inside the transaction just before it commits (tests inject a
    failure there). :raises BatchBusyError: another load holds the same batch.
    """
    module = KINDS[kind]
    digest = ""
    try:
        if isinstance(data, Path) and not data.is_file():
            data = data.read_bytes()  # a pipe, /dev/stdin: read once, as an upload is
        stamp = file_stamp(data)
        digest = sha256(data)
        # A kind that checks its rows a chunk at a time reads them again then: only their count
        # and the table's shape are kept here.
        read = read_sheet(
            data, module.COLUMNS, sheet, keep_rows=not getattr(module, "STREAMED", False)
        )
        if read.stamp != stamp:  # saved again between its hash and its reading
            raise refuse("changed")
    except OSError as exc:  # a file on disk that is not there, or not readable
        reason = exc.strerror or type(exc).__name__
        return _refused(refuse("unreadable", reason=reason), file_name, digest, dry_run)
    except IngestFileError as exc:
        return _refused(exc, file_name, digest, dry_run)
    with writer.connect() as conn:
        present = set(sa.inspect(conn).get_table_names())
    missing = _missing_tables(present)
    if missing:
        raise SchemaOutOfDateError(missing)
    summaries = summary_info.name in present
    for attempt in range(ATTEMPTS):
        try:
            return _load(
                writer,
                read,
                digest,
                file_name,
                commune,
                month,
                scope,
                user,
                kind,
                dry_run,
                now,
                before_commit,
                summaries,
            )
        except IngestFileError as exc:  # saved again while its rows were checked: rolled back
            return _refused(exc, file_name, digest, dry_run)
        except sa.exc.DBAPIError as exc:
            if _conflict(exc) and attempt + 1 < ATTEMPTS:
                continue  # another load committed in our snapshot's time: start again
            if _conflict(exc):
                raise SummariesBusyError() from exc
            if _busy(exc):
                raise BatchBusyError() from exc
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def _refused(exc: IngestFileError, file_name: str, digest: str, dry_run: bool) -> Outcome:
    """A file refused as a whole: one problem, nothing written."""
    blocked: Plan[Any] = Plan(None, 0, [error(0, "", file_name, exc.vi, exc.en)])
    return Outcome(blocked, digest, written=False, dry_run=dry_run)


def _load(
    writer: Engine,
    read: ReadResult,
    digest: str,
    file_name: str,
    commune: str,
    month: date,
    scope: Scope,
    user: str,
    kind: str,
    dry_run: bool,
    now: datetime | None,
    before_commit: Callable[[Connection], None] | None,
    summaries: bool,
) -> Outcome:
    """One attempt at the load, in one transaction (REPEATABLE READ on PostgreSQL: what it
    reads and the fingerprint it records are of one snapshot).

    On PostgreSQL a load (not a dry run) first takes ``summary_info`` in a mode that only
    another load's (or a refresh's write) conflicts with, before its first read: loads that
    bring the summaries up to date take turns, each reading what the one before committed
    (no serialisation failure), while the dashboard reads on.
    """
    module = KINDS[kind]
    with writer.connect() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin() as tx:
            if not dry_run:  # hold the batch first: the list is then checked once, as it is
                if postgres and summaries:
                    _take_turn(conn)
                found = find_batch(conn, commune, month.replace(day=1), scope)
                if isinstance(found, Batch):
                    held = dataclasses.replace(found, month=module.batch_month(month))
                    _lock(conn, kind, held, digest, now)
            plan = module.plan(conn, read, commune, month, scope)
            if plan.batch is None or plan.blocked or dry_run or plan.changes == 0:
                tx.rollback()
                return Outcome(plan, digest, written=False, dry_run=dry_run)
            before = _summaries_before(conn)
            touched = module.write(conn, plan)
            _log(conn, kind, plan, file_name, digest, user, now)
            _declare_loaded(conn, now)
            update = None
            if before is not None:
                update = module.update_summaries(conn, plan, touched, before, now)
            if before_commit is not None:
                before_commit(conn)
    if update is not None:  # the summaries committed with the rows
        return Outcome(
            plan,
            digest,
            written=True,
            dry_run=False,
            summaries_seconds=update.seconds,
            incremental=True,
        )
    # The summaries could not follow in the transaction (stale before, absent, or the data now
    # start elsewhere): rebuild them. If that fails the change record already makes them
    # stale, so the dashboard reads the rows until a refresh succeeds.
    try:
        result = full_refresh(writer)
    except Exception as exc:  # any failure here leaves a load that did happen
        logging.getLogger(__name__).error("summary refresh after a load failed", exc_info=exc)
        return Outcome(plan, digest, written=True, dry_run=False, refresh_failed=True)
    return Outcome(plan, digest, written=True, dry_run=False, summaries_seconds=result.seconds)


def _take_turn(conn: Connection) -> None:
    """Wait (at most ``SUMMARY_WAIT_S``) for another load to finish with the summaries.

    LOCK takes no snapshot: the transaction's first read, after it, sees that load's rows.
    """
    # Both statements are built from this module's constants (a number, our table's name): no
    # value from a user, and neither a timeout nor an identifier can be a bound parameter.
    conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{SUMMARY_WAIT_S}s'")
    try:
        conn.exec_driver_sql(f"LOCK TABLE {summary_info.name} IN SHARE ROW EXCLUSIVE MODE")
    except sa.exc.DBAPIError as exc:
        if _busy(exc):
            raise SummariesBusyError() from exc
        raise


def _declare_loaded(conn: Connection, now: datetime | None) -> None:
    """Declare that data were loaded today (``definitions.LOADED_ON_KEY``): the dashboard's
    data reach no further than the last load, so a list for the month just ended counts once
    it is in. A later declaration is kept."""
    today = (now or datetime.now(UTC)).astimezone().date()
    info = s.dataset_info
    stored = declared_load_date(conn)
    if stored is not None and stored >= today:
        return
    values = {"value": today.isoformat(), "updated_at": datetime.now(UTC).replace(tzinfo=None)}
    key = info.c.key == LOADED_ON_KEY
    if not conn.execute(info.update().where(key).values(**values)).rowcount:
        conn.execute(info.insert().values(key=LOADED_ON_KEY, **values))


def _summaries_before(conn: Connection) -> SummaryStatus | None:
    """The summaries' status before the write, with their row held (loads that update them
    take turns). None when there are none to keep up to date."""
    status = summary_status(conn)
    if status is None or not status.fresh:
        return status
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{SUMMARY_WAIT_S}s'")
    try:
        lock_info(conn)
    except sa.exc.DBAPIError as exc:
        if _conflict(exc):
            raise
        if _busy(exc):
            raise SummariesBusyError() from exc
        raise
    return status


def _missing_tables(present: set[str]) -> list[str]:
    """Tables a load writes that the database lacks (built before the import log)."""
    needed = (s.import_log, s.import_batch, s.change_event)
    return [t.name for t in needed if t.name not in present]


def _conflict(exc: sa.exc.DBAPIError) -> bool:
    """PostgreSQL could not serialise this transaction with another that committed meanwhile
    (40001): the load starts again, in a new snapshot."""
    return _sqlstate(exc) == "40001"


def _sqlstate(exc: sa.exc.DBAPIError) -> str | None:
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return str(code) if code else None


def _busy(exc: sa.exc.DBAPIError) -> bool:
    """The batch is held by another load: a lock not granted in time (PostgreSQL 55P03), the
    batch's row inserted by the other at once (23505 on import_batch), SQLite's write lock."""
    code = _sqlstate(exc)
    if code in ("55P03", "40P01"):
        return True
    if code == "23505":
        return "import_batch" in str(exc.orig)
    # SQLite: the write lock not granted in time, or the other load's batch row inserted first
    # (its reads before the first write are outside the write lock).
    text = str(exc.orig)
    return "database is locked" in text or "UNIQUE constraint failed: import_batch" in text


def _lock(
    conn: Connection, kind: str, batch: payments.Batch, digest: str, now: datetime | None
) -> None:
    """Hold the batch's row until the transaction ends; another load of it is refused."""
    b = s.import_batch
    key = sa.and_(b.c.kind == kind, b.c.admin_unit_id == batch.unit_id, b.c.month == batch.month)
    stamp = now or datetime.now(UTC)
    try:
        if conn.dialect.name == "postgresql":
            # A second load of the batch waits at most this long for the first (an INSERT of
            # a new batch's row waits on the first's), then is told; NOWAIT for an existing row.
            conn.exec_driver_sql("SET LOCAL lock_timeout = '5s'")
            found = conn.execute(
                sa.select(b.c.kind).where(key).with_for_update(nowait=True)
            ).first()
        else:
            found = conn.execute(sa.select(b.c.kind).where(key)).first()
        if found is None:
            conn.execute(
                sa.insert(b).values(
                    kind=kind,
                    admin_unit_id=batch.unit_id,
                    month=batch.month,
                    sha256=digest,
                    loaded_at=stamp,
                )
            )
        else:
            conn.execute(sa.update(b).where(key).values(sha256=digest, loaded_at=stamp))
    except sa.exc.DBAPIError as exc:
        if _busy(exc):
            raise BatchBusyError() from exc
        raise


def _log(
    conn: Connection,
    kind: str,
    plan: Plan[Any],
    file_name: str,
    digest: str,
    user: str,
    now: datetime | None,
) -> None:
    assert plan.batch is not None
    conn.execute(
        sa.insert(s.import_log).values(
            kind=kind,
            admin_unit_id=plan.batch.unit_id,
            month=plan.batch.month,
            file_name=file_name[:255],
            sha256=digest,
            user_name=user[:80],
            loaded_at=now or datetime.now(UTC),
            rows_in_file=plan.rows_in_file,
            added=len(plan.added),
            changed=len(plan.changed),
            removed=len(plan.removed),
            unchanged=plan.unchanged,
        )
    )
