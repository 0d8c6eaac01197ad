"""The audit trail (issue 17 §1): who saw whose data, who downloaded what, who signed in or
failed to, which account was changed and which list was loaded.

Entries go to ``audit_entry`` in the application's own database (the user store's: default
``data/users.sqlite``, ``WELFARE_USERS_URL``), never to the read-only welfare database. A view
of a person list also records which people were on screen (``audit_subject``: their
``person.id`` in the welfare database), so the log answers "who saw this person's data".

Tamper evidence. Each entry carries the SHA-256 of its own content and of the entry before it
(``prev_hash``): ``python -m auth.audit verify`` recomputes the chain and names the first entry
that was edited, deleted or put in between. Appending is serialised (SQLite: the write lock
taken first, ``BEGIN IMMEDIATE``; PostgreSQL: a transaction advisory lock), and ``prev_hash``
is unique, so two writers can never fork the chain. Triggers refuse UPDATE and DELETE on both
tables (PostgreSQL: TRUNCATE too), so the application itself cannot change an entry.

Retention (``WELFARE_AUDIT_RETENTION_YEARS``, default 5): ``python -m auth.audit purge``
deletes what is older, in one transaction that lifts the delete trigger, deletes, puts it back
and appends a "purge" entry naming the first entry kept and the hash it points back to (where
``verify`` starts from then).

What the chain cannot do: someone who can write to the database with the triggers dropped can
rewrite the whole chain from the first entry changed onward, and deleting the newest entries
leaves a shorter chain that still verifies. Keep the count and last hash that ``verify`` prints
(or a backup) somewhere else to catch that.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

GENESIS = "0" * 64  # what the first entry ever written points back to
RETENTION_ENV = "WELFARE_AUDIT_RETENTION_YEARS"
DEFAULT_RETENTION_YEARS = 5
_PG_LOCK_KEY = 0x61756469  # "audi": the advisory lock that serialises appends on PostgreSQL
APPEND_ATTEMPTS = 5

# What happened (the ``event`` column).
VIEW = "view"  # a person list on screen: target = which list, detail = filters, subjects
DOWNLOAD = "download"  # a file built for download: target = file name, row_count = rows
SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
SIGN_IN_LOCKED = "sign_in_locked"  # refused (or now locked) after too many failures
ACCOUNT = "account"  # python -m auth.cli: target = the account, detail = what changed
IMPORT = "import"  # a list loaded into the welfare database: target = file name
PURGE = "purge"  # entries older than the retention deleted
RESTORE = "restore"  # the accounts and this trail restored from a backup (auth.backup)
SEND = "send"  # the quarterly briefing e-mailed (reports.send): target = the account
EVENTS = (
    VIEW,
    DOWNLOAD,
    SIGN_IN,
    SIGN_IN_FAILED,
    SIGN_IN_LOCKED,
    ACCOUNT,
    IMPORT,
    PURGE,
    RESTORE,
    SEND,
)

metadata = sa.MetaData()
audit_entry = sa.Table(
    "audit_entry",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),  # UTC
    sa.Column("actor", sa.String(64), nullable=False, index=True),  # user name; "" anonymous
    sa.Column("event", sa.String(24), nullable=False),
    sa.Column("target", sa.String(200), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),  # canonical JSON
    sa.Column("row_count", sa.Integer),
    sa.Column("client", sa.String(64), nullable=False),  # the connecting IP address, if known
    sa.Column("prev_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("hash", sa.String(64), nullable=False, unique=True),
)
# The people whose data an entry's list showed (welfare database person ids).
audit_subject = sa.Table(
    "audit_subject",
    metadata,
    sa.Column("entry_id", sa.Integer, sa.ForeignKey("audit_entry.id"), primary_key=True),
    sa.Column("person_id", sa.Integer, primary_key=True),
    sa.Index("ix_audit_subject_person", "person_id"),
)
_TABLES = ("audit_entry", "audit_subject")


class AuditWriteError(Exception):
    """The audit entry could not be written (what it was for must not go ahead)."""


class ChainBrokenError(Exception):
    """The chain does not verify: a purge would hide where (run ``verify``)."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _no_delete(table: str) -> str:
    return f"{table}_no_delete"


def _sqlite_triggers(table: str) -> list[str]:
    refuse = "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END"
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} {refuse}",
        f"CREATE TRIGGER IF NOT EXISTS {_no_delete(table)} BEFORE DELETE ON {table} {refuse}",
    ]


def _pg_triggers(table: str) -> list[str]:
    run = "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()"
    return [
        f"CREATE OR REPLACE TRIGGER {table}_no_update BEFORE UPDATE OR TRUNCATE ON {table} {run}",
        f"CREATE OR REPLACE TRIGGER {_no_delete(table)} BEFORE DELETE ON {table} {run}",
    ]


_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only';
END
$$
"""


def install(engine: Engine) -> None:
    """Create the audit tables and their append-only triggers (idempotent)."""
    metadata.create_all(engine)
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        if postgres:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
            present = set(
                conn.execute(
                    sa.text("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'audit_%'")
                ).scalars()
            )
            if {f"{t}_no_update" for t in _TABLES} | {_no_delete(t) for t in _TABLES} <= present:
                return
            conn.exec_driver_sql(_PG_FUNCTION)
            for table in _TABLES:
                for statement in _pg_triggers(table):
                    conn.exec_driver_sql(statement)
        else:
            for table in _TABLES:
                for statement in _sqlite_triggers(table):
                    conn.exec_driver_sql(statement)


def lock(conn: Connection) -> None:
    """Serialise appends: nobody else reads the chain's end until this transaction ends."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        return
    dbapi = conn.connection.dbapi_connection
    if dbapi is not None and not dbapi.in_transaction:  # type: ignore[attr-defined]
        # SQLite: the write lock first, then the read of the last hash (a transaction that has
        # already written holds it).
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def canonical(value: object) -> str:
    """JSON with sorted keys and no spaces: the same text for the same value, always."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def digest(
    prev_hash: str,
    at: datetime,
    actor: str,
    event: str,
    target: str,
    detail: str,
    row_count: int | None,
    client: str,
    subjects: Iterable[int],
) -> str:
    """The SHA-256 of an entry's content and of the hash it points back to."""
    payload = canonical(
        [
            prev_hash,
            at.isoformat(timespec="microseconds"),
            actor,
            event,
            target,
            detail,
            row_count,
            client,
            sorted({int(s) for s in subjects}),
        ]
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Entry:
    """One thing to record."""

    event: str
    actor: str = ""
    target: str = ""
    detail: Mapping[str, object] | None = None
    row_count: int | None = None
    client: str | None = None
    subjects: Sequence[int] = ()


def _last_hash(conn: Connection) -> str:
    last = conn.execute(
        sa.select(audit_entry.c.hash).order_by(audit_entry.c.id.desc()).limit(1)
    ).scalar()
    return str(last) if last else GENESIS


def append(
    conn: Connection, entry: Entry, now: datetime | None = None, prev: str | None = None
) -> str:
    """Append ``entry`` inside the caller's transaction (call it before the transaction's other
    writes on SQLite); its hash. ``prev``: the hash it points back to when it is not the last
    entry's (the purge's, after deleting every entry)."""
    return append_all(conn, [entry], now, prev)[-1]


def append_all(
    conn: Connection, entries: Sequence[Entry], now: datetime | None = None, prev: str | None = None
) -> list[str]:
    """Append ``entries`` in order inside the caller's transaction, each chained to the one
    before: one statement for the entries and one for their people; their hashes."""
    for entry in entries:
        if entry.event not in EVENTS:
            raise ValueError(f"unknown audit event {entry.event!r}")
    lock(conn)
    at = (now or _now()).replace(tzinfo=None)
    prev = prev or _last_hash(conn)
    rows, people, hashes = [], [], []
    for entry in entries:
        actor = (entry.actor or "")[:64]
        target = (entry.target or "")[:200]
        detail = canonical(dict(entry.detail or {}))
        client = (entry.client or "")[:64]
        subjects = sorted({int(s) for s in entry.subjects})
        own = digest(
            prev, at, actor, entry.event, target, detail, entry.row_count, client, subjects
        )
        rows.append(
            {
                "at": at,
                "actor": actor,
                "event": entry.event,
                "target": target,
                "detail": detail,
                "row_count": entry.row_count,
                "client": client,
                "prev_hash": prev,
                "hash": own,
            }
        )
        people.append(subjects)
        hashes.append(own)
        prev = own
    if not rows:
        return hashes
    inserted = conn.execute(
        audit_entry.insert().returning(audit_entry.c.id, sort_by_parameter_order=True), rows
    )
    ids = [int(i) for i in inserted.scalars()]
    links = [
        {"entry_id": entry_id, "person_id": s}
        for entry_id, subjects in zip(ids, people, strict=True)
        for s in subjects
    ]
    if links:
        conn.execute(audit_subject.insert(), links)
    return hashes


class AuditTrail:
    """The audit log of one application database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, entry: Entry, now: datetime | None = None) -> str:
        """Append ``entry`` in its own transaction; its hash.

        :raises AuditWriteError: it could not be written (the database refused or was busy).
        """
        return self.record_all([entry], now)[-1]

    def record_all(self, entries: Sequence[Entry], now: datetime | None = None) -> list[str]:
        """Append ``entries`` in one transaction (all or none); their hashes.

        :raises AuditWriteError: they could not be written (the database refused or was busy).
        """
        for attempt in range(APPEND_ATTEMPTS):
            try:
                with self.engine.begin() as conn:
                    return append_all(conn, entries, now)
            except sa.exc.IntegrityError as exc:  # a racing writer took the same end: again
                if attempt == APPEND_ATTEMPTS - 1:
                    raise AuditWriteError(str(exc.orig)) from exc
            except sa.exc.DBAPIError as exc:
                raise AuditWriteError(str(exc.orig)) from exc
        raise AuditWriteError("not written")  # pragma: no cover - the loop returns or raises


# --- reading --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """Where the chain breaks: the entry's id and what is wrong."""

    entry_id: int
    message: str


@dataclass(frozen=True)
class Verified:
    """What ``verify`` found: the entries read, the last hash, and the problems (none: intact)."""

    entries: int
    last_hash: str
    problems: list[Problem]

    @property
    def intact(self) -> bool:
        """True when no entry was changed, removed or put in between."""
        return not self.problems


def _subjects_by_entry(conn: Connection, first: int, last: int) -> dict[int, list[int]]:
    rows = conn.execute(
        sa.select(audit_subject.c.entry_id, audit_subject.c.person_id).where(
            audit_subject.c.entry_id.between(first, last)
        )
    ).all()
    found: dict[int, list[int]] = {}
    for entry_id, person_id in rows:
        found.setdefault(int(entry_id), []).append(int(person_id))
    return found


def verify(engine: Engine, batch: int = 5000) -> Verified:
    """Recompute the chain, oldest first; every break is a problem."""
    with engine.connect() as conn:
        return verify_connection(conn, batch)


def verify_connection(conn: Connection, batch: int = 5000) -> Verified:
    """``verify`` on an open connection (inside its transaction: what it sees)."""
    problems: list[Problem] = []
    e = audit_entry
    anchors: dict[int | None, str] = {}
    for detail in conn.execute(sa.select(e.c.detail).where(e.c.event == PURGE)).scalars():
        try:
            kept = json.loads(detail)
            if kept.get("deleted"):  # only a purge that deleted moves the chain's start
                anchors[kept.get("first_kept")] = str(kept.get("anchor"))
        except (ValueError, AttributeError):
            continue  # an edited purge entry fails its own hash below
    previous: str | None = None
    count = 0
    after = 0
    while True:
        rows = (
            conn.execute(sa.select(e).where(e.c.id > after).order_by(e.c.id).limit(batch))
            .mappings()
            .all()
        )
        if not rows:
            break
        subjects = _subjects_by_entry(conn, int(rows[0]["id"]), int(rows[-1]["id"]))
        for row in rows:
            entry_id = int(row["id"])
            own = digest(
                row["prev_hash"],
                row["at"],
                row["actor"],
                row["event"],
                row["target"],
                row["detail"],
                row["row_count"],
                row["client"],
                subjects.get(entry_id, []),
            )
            if own != row["hash"]:
                problems.append(Problem(entry_id, "content changed (its hash does not match)"))
            if previous is None:
                first_ok = row["prev_hash"] == GENESIS or anchors.get(entry_id) == row["prev_hash"]
                if row["event"] == PURGE and anchors.get(None) == row["prev_hash"]:
                    first_ok = True
                if not first_ok:
                    problems.append(
                        Problem(entry_id, "entries before it were removed without a purge")
                    )
            elif row["prev_hash"] != previous:
                problems.append(
                    Problem(entry_id, "the entry before it was removed, changed or added")
                )
            previous = row["hash"]
            count += 1
        after = int(rows[-1]["id"])
    return Verified(count, previous or GENESIS, problems)


def retention_years() -> int:
    """How many years entries are kept (``WELFARE_AUDIT_RETENTION_YEARS``, default 5)."""
    raw = os.environ.get(RETENTION_ENV, "").strip()
    if not raw:
        return DEFAULT_RETENTION_YEARS
    try:
        years = int(raw)
    except ValueError as exc:
        raise ValueError(f"{RETENTION_ENV} must be a whole number of years, not {raw!r}") from exc
    if years < 1:
        raise ValueError(f"{RETENTION_ENV} must be at least 1")
    return years


def years_before(moment: datetime, years: int) -> datetime:
    """The same moment ``years`` earlier (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def purge(engine: Engine, actor: str, years: int | None = None, now: datetime | None = None) -> int:
    """Delete the entries older than the retention, in one transaction that appends a "purge"
    entry; how many were deleted.

    :raises ChainBrokenError: the chain does not verify now; nothing is deleted (a purge would
        move the chain's start past the break and hide it).
    """
    now = now or _now()
    cutoff = years_before(now, years if years is not None else retention_years())
    e, s = audit_entry, audit_subject
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        lock(conn)
        checked = verify_connection(conn)
        if not checked.intact:
            broken = checked.problems[0]
            raise ChainBrokenError(f"entry {broken.entry_id}: {broken.message}")
        last = _last_hash(conn)  # what the purge entry points back to, even if all goes
        # Only the oldest entries go, a run from the start (entries written under a clock set
        # back stay with their neighbours): the chain stays whole from the first entry kept.
        kept_from = sa.select(sa.func.min(e.c.id)).where(e.c.at >= cutoff).scalar_subquery()
        old = sa.select(e.c.id).where(
            sa.or_(e.c.id < kept_from, sa.and_(kept_from.is_(None), e.c.id.is_not(None)))
        )
        deleted = conn.execute(sa.select(sa.func.count()).select_from(old.subquery())).scalar() or 0
        if deleted:
            for table in ("audit_subject", "audit_entry"):
                conn.exec_driver_sql(
                    f"DROP TRIGGER {_no_delete(table)}" + (f" ON {table}" if postgres else "")
                )
            conn.execute(s.delete().where(s.c.entry_id.in_(old)))
            conn.execute(e.delete().where(e.c.id.in_(old)))
            for table in _TABLES:
                statement = (_pg_triggers if postgres else _sqlite_triggers)(table)[1]
                conn.exec_driver_sql(statement)
        first = conn.execute(sa.select(e.c.id, e.c.prev_hash).order_by(e.c.id).limit(1)).first()
        detail: dict[str, object] = {"before": cutoff.isoformat(timespec="seconds"), "deleted": 0}
        if deleted:
            detail = {
                "before": cutoff.isoformat(timespec="seconds"),
                "deleted": deleted,
                "first_kept": int(first[0]) if first else None,
                "anchor": str(first[1]) if first else last,
            }
        append(conn, Entry(PURGE, actor, detail=detail, row_count=deleted), now, prev=last)
    return deleted


def search(
    engine: Engine,
    since: date | None = None,
    until: date | None = None,
    actor: str | None = None,
    persons: Sequence[int] | None = None,
    events: Sequence[str] | None = None,
    limit: int = 1000,
    offset_hours: int = 0,
) -> tuple[list[dict[str, object]], int]:
    """The entries that match, newest first (at most ``limit``), and how many match in all.

    ``since`` and ``until`` are days (``until`` included) on a clock ``offset_hours`` ahead of
    UTC (Vietnam: 7); ``actor`` a user name ("": not signed in); ``persons``: entries that
    showed any of these people.
    """
    e = audit_entry
    where: list[sa.ColumnElement[bool]] = []
    shift = timedelta(hours=offset_hours)
    if since is not None:
        where.append(e.c.at >= datetime(since.year, since.month, since.day) - shift)
    if until is not None:
        end = datetime(until.year, until.month, until.day) + timedelta(days=1)
        where.append(e.c.at < end - shift)
    if actor is not None:
        where.append(e.c.actor == actor)
    if persons is not None:
        where.append(
            e.c.id.in_(
                sa.select(audit_subject.c.entry_id).where(
                    audit_subject.c.person_id.in_([int(p) for p in persons])
                )
            )
        )
    if events:
        where.append(e.c.event.in_(list(events)))
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(e).where(*where)).scalar() or 0
        rows = (
            conn.execute(
                sa.select(
                    e.c.id,
                    e.c.at,
                    e.c.actor,
                    e.c.event,
                    e.c.target,
                    e.c.detail,
                    e.c.row_count,
                    e.c.client,
                )
                .where(*where)
                .order_by(e.c.id.desc())
                .limit(limit)
            )
            .mappings()
            .all()
        )
    return [dict(r) for r in rows], total


def actors(engine: Engine) -> list[str]:
    """Every user name that has an entry, in order ("" for the signed-out visitor)."""
    with engine.connect() as conn:
        return [
            str(a)
            for a in conn.execute(
                sa.select(audit_entry.c.actor).distinct().order_by(audit_entry.c.actor)
            ).scalars()
        ]
