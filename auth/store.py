"""The user store: accounts with argon2 password hashes, roles, unit scope and lock-out.

A commune head's commune is a GSO code and the unit version it belongs to ("2023": the units
before 1/7/2025, "2025": the communes since): codes are reused after the merger, so 06913 alone
does not say whether the old or the new Xã Quảng Tân is meant. A province role names its
province's code. A store created before the version existed gains the column when opened, and
its commune heads keep the "2023" units they were created for (``_migrate``).

It lives in its own database (default ``data/users.sqlite``; ``WELFARE_USERS_URL`` overrides),
written separately from the read-only welfare connection. Passwords are never stored or logged,
only their argon2id hashes.

Lock-out (issue 18, defects 7 and 9). Failed sign-ins are counted by three guards, each a row of
``login_guard``: the user name from one client (``MAX_FAILURES``), the user name from every
client (``NAME_MAX_FAILURES``) and one client whatever the names (``CLIENT_MAX_FAILURES``); the
client is the connecting IP address the page passes, or none. Before a password is checked, the
attempt takes a slot in every guard with one conditional UPDATE each, in one transaction
(``failures + pending < limit``): at most ``limit`` wrong passwords are ever checked per guard
and window, however many attempts arrive at once (the row lock serialises them on PostgreSQL,
the write lock on SQLite). An attempt that finds every slot taken by running checks waits for
them (``SLOT_WAIT_S`` at most): if they fail the guard locks, and a locked guard refuses even
the right password without checking it. A guard that reaches its limit locks for
``LOCK_STEPS``: 1, then 5, then 15 minutes for locks that follow one another within
``LOCK_MEMORY``. So a stranger who types five wrong passwords for a real name locks it from the
stranger's own address only (its owner signs in from theirs) until the name-wide guard fills,
and then for a minute at first; ``python -m auth.cli unlock`` lifts a lock at once. A
successful sign-in frees its own slot and restarts the lock steps, but does not erase the
failures counted in the window (else a correct password in a burst would reopen the guard).
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from data_access.filters import VERSION_2023, VERSION_DATES, Scope, version_in_force
from i18n import Catalog

from . import audit
from .audit import ACCOUNT, Entry

PROJECT_ROOT = Path(__file__).resolve().parent.parent
USERS_PATH = PROJECT_ROOT / "data" / "users.sqlite"
DEMO_USERS_PATH = PROJECT_ROOT / "data" / "demo-users.sqlite"
USERS_ENV = "WELFARE_USERS_URL"
DEMO_USERS_ENV = "WELFARE_DEMO_USERS"

MAX_FAILURES = 5  # wrong passwords for one user name from one client before it locks (issue 4)
NAME_MAX_FAILURES = 20  # ... for one user name from all clients together (guessing from many)
CLIENT_MAX_FAILURES = 20  # ... from one client whatever the names (spraying or locking many)
WINDOW = timedelta(minutes=15)  # failures count for this long after a guard's first attempt
# How long a guard stays locked: the first lock is short (a stranger's typing costs the owner a
# minute), locks that follow within LOCK_MEMORY get longer (someone keeps trying).
LOCK_STEPS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15))
LOCK_MEMORY = timedelta(hours=24)
LOCKOUT = LOCK_STEPS[-1]  # the longest lock
SLOT_WAIT_S = 10.0  # an attempt waits this long for a slot held by a running check, at most
SLOT_POLL_S = 0.05  # ... looking again this often (a check takes 0,1-1 s)
GUARD_NAME_CLIENT = "pair"  # one user name from one client
GUARD_NAME = "name"  # one user name from every client
GUARD_CLIENT = "client"  # one client, every user name
GUARD_LIMITS = {
    GUARD_NAME_CLIENT: MAX_FAILURES,
    GUARD_NAME: NAME_MAX_FAILURES,
    GUARD_CLIENT: CLIENT_MAX_FAILURES,
}
SYSTEM = "system"  # who changed an account when no one is named (the demo's seeding, tests)
MIN_PASSWORD_LENGTH = 10  # argon2 makes guessing slow; length makes it hopeless

ROLE_PROVINCE = "province"  # lãnh đạo tỉnh: every unit of the province, person lists
ROLE_DISTRICT = "district"  # lãnh đạo huyện: all communes, person lists
ROLE_COMMUNE = "commune"  # chủ tịch UBND xã: own commune and its history, its person lists
ROLE_VIEWER = "viewer"  # xem số liệu tổng hợp: aggregates only
# cán bộ nhập liệu: loads lists (page "Nhập số liệu") of their commune, or of every commune
# when none is named; sees the aggregates of that scope, no person lists.
ROLE_CLERK = "clerk"
ROLES = (ROLE_PROVINCE, ROLE_DISTRICT, ROLE_COMMUNE, ROLE_VIEWER, ROLE_CLERK)
# The stored role codes and what a person reads beside their name.
ROLE_LABELS = Catalog(
    "auth.store.roles",
    {
        ROLE_PROVINCE: ("Lãnh đạo tỉnh", "Provincial leadership"),
        ROLE_DISTRICT: ("Lãnh đạo huyện", "District leadership"),
        ROLE_COMMUNE: ("Lãnh đạo xã", "Commune head"),
        ROLE_VIEWER: ("Xem số liệu tổng hợp", "Viewer (aggregates only)"),
        ROLE_CLERK: ("Cán bộ nhập liệu", "Data clerk"),
    },
)

_hasher = PasswordHasher()
# argon2id as the library sets it (t=3, 64 MiB, p=4): each check holds 64 MiB while it runs.
# At most two run at once, so thirty sign-ins at once cost ~128 MiB, not ~2 GiB; the checks
# already fill both cores, so a queue costs no throughput (benchmarks.load, issue 18).
PARALLEL_CHECKS = 2
_VERIFYING = threading.BoundedSemaphore(PARALLEL_CHECKS)
SQLITE_BUSY_TIMEOUT_S = 30.0
# Verified against when the user name is unknown, so timing does not reveal who exists.
_DUMMY_HASH = _hasher.hash("not-a-real-password-only-for-constant-time")

metadata = sa.MetaData()
app_user = sa.Table(
    "app_user",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(120), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("commune_code", sa.String(10)),
    # The unit version of commune_code ("2023", "2025"); added by _migrate to older stores.
    sa.Column("unit_version", sa.String(8)),
    sa.Column("province_code", sa.String(10)),  # a province role's province
    # Where the quarterly briefing is sent (python -m reports.send); added by _migrate.
    sa.Column("email", sa.String(254)),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("password_changed_at", sa.DateTime, nullable=False),
)
# Failed-attempt counters (see the module's docstring): one row per guard. "" stands for "any"
# (the name guard's client, the client guard's user name) and for "no client known".
login_guard = sa.Table(
    "login_guard",
    metadata,
    sa.Column("kind", sa.String(8), primary_key=True),
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("client", sa.String(64), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),  # wrong passwords in the window
    sa.Column("pending", sa.Integer, nullable=False),  # slots taken by checks still running
    sa.Column("window_start", sa.DateTime),
    sa.Column("locked_until", sa.DateTime),
    sa.Column("locks", sa.Integer, nullable=False),  # locks in a row (LOCK_STEPS)
    sa.Column("last_lock_at", sa.DateTime),
)
# Signed-in sessions that survive a reload (auth/session_tokens.py): only hashes are stored, and
# a password reset, a disabled account or a new role deletes the user's rows, ending them.
app_session = sa.Table(
    "app_session",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), unique=True),  # the cookie's token, once redeemed
    sa.Column("handoff_hash", sa.String(64), unique=True),  # one-time code that sets the cookie
    sa.Column("handoff_expires_at", sa.DateTime),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_seen_at", sa.DateTime, nullable=False),
)


def _unit_values(
    role: str, commune_code: str | None, version: str | None, province_code: str | None
) -> dict[str, str | None]:
    """The unit columns of an account of ``role``: only what the role uses is kept."""
    commune = role == ROLE_COMMUNE or (role == ROLE_CLERK and bool(commune_code))
    # A commune head's default stays the 2023 units (accounts made before versions existed); a
    # clerk loads today's lists, so theirs is the version in force now.
    default = version_in_force(date.today()) if role == ROLE_CLERK else VERSION_2023
    return {
        "commune_code": commune_code if commune else None,
        "unit_version": (version or default) if commune else None,
        "province_code": province_code if role == ROLE_PROVINCE else None,
    }


def _migrate(engine: Engine) -> None:
    """Bring a store made by an older version up to this one's ``app_user`` columns.

    Stores created before the unit version existed have no ``unit_version`` or
    ``province_code``: the columns are added, and their commune heads were made for the 2023
    units, so they get "2023". Two processes opening the same old store at once both try; the
    second finds the column there (PostgreSQL: ``IF NOT EXISTS``; SQLite: its write lock and a
    second look).
    """
    wanted = {"unit_version": "VARCHAR(8)", "province_code": "VARCHAR(10)", "email": "VARCHAR(254)"}
    present = {c["name"] for c in sa.inspect(engine).get_columns("app_user")}
    missing = [name for name in wanted if name not in present]
    if not missing:
        return
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        if not postgres:
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock before looking again
            present = {c["name"] for c in sa.inspect(conn).get_columns("app_user")}
        for name in missing:
            if name in present:
                continue
            exists = "IF NOT EXISTS " if postgres else ""
            conn.exec_driver_sql(f"ALTER TABLE app_user ADD COLUMN {exists}{name} {wanted[name]}")
        conn.execute(
            app_user.update()
            .where(app_user.c.commune_code.is_not(None), app_user.c.unit_version.is_(None))
            .values(unit_version=VERSION_2023)
        )


class UserStoreError(Exception):
    """A user-management request that cannot be carried out (message is for the operator)."""


@dataclass(frozen=True)
class User:
    """A signed-in user: who, which role, which commune (of which unit version) or province."""

    username: str
    display_name: str
    role: str
    commune_code: str | None
    unit_version: str = VERSION_2023
    province_code: str | None = None

    def scope(self) -> Scope:
        """What this user may see."""
        if self.role == ROLE_DISTRICT:
            return Scope(None, persons=True, label=self.username)
        if self.role == ROLE_PROVINCE and self.province_code:
            return Scope(None, persons=True, label=self.username, province=self.province_code)
        if self.role == ROLE_COMMUNE and self.commune_code:
            return Scope(
                frozenset({self.commune_code}),
                persons=True,
                label=self.username,
                version=self.unit_version,
            )
        if self.role == ROLE_CLERK and self.commune_code:
            return Scope(
                frozenset({self.commune_code}),
                persons=False,
                label=self.username,
                version=self.unit_version,
            )
        return Scope(None, persons=False, label=self.username)

    @property
    def may_audit(self) -> bool:
        """True when this user may read the access log (page "Nhật ký truy cập"): district
        leadership only."""
        return self.role == ROLE_DISTRICT

    @property
    def may_load(self) -> bool:
        """True when this user may load lists (page "Nhập số liệu"): a data clerk."""
        return self.role == ROLE_CLERK


def _user(row: sa.RowMapping) -> User:
    """The account of a stored row (a commune head without a version: the 2023 units)."""
    return User(
        row["username"],
        row["display_name"],
        row["role"],
        row["commune_code"],
        row["unit_version"] or VERSION_2023,
        row["province_code"],
    )


@dataclass(frozen=True)
class Recipient:
    """An account the briefing may be sent to: ``user`` None when no such account exists."""

    username: str
    user: User | None
    email: str | None
    disabled: bool


@dataclass(frozen=True)
class SignInResult:
    """The outcome of a sign-in attempt; ``user`` is None when refused."""

    user: User | None
    locked: bool = False
    until: datetime | None = None  # when a lock ends (None: not locked)

    def minutes_left(self, now: datetime | None = None) -> int:
        """Whole minutes until the lock ends, rounded up; at least 1."""
        if self.until is None:
            return 1
        seconds = (self.until - (now or _now())).total_seconds()
        return max(1, math.ceil(seconds / 60))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _audit_change(
    conn: sa.Connection, actor: str, username: str, change: str, **detail: object
) -> None:
    """Record an account change in the same transaction as the change (first, so that on SQLite
    the transaction holds the write lock before it reads the chain's end)."""
    values = {k: v for k, v in detail.items() if v is not None}
    audit.append(conn, Entry(ACCOUNT, actor, target=username, detail={"change": change, **values}))


def _changed(rowcount: int, username: str) -> None:
    """Refuse (and so roll back the transaction) when no account ``username`` exists."""
    if not rowcount:
        raise UserStoreError(f"no user '{username}'")


def _end_sessions(conn: sa.Connection, username: str) -> None:
    """Delete every session of ``username``: its cookie no longer signs anyone in."""
    conn.execute(app_session.delete().where(app_session.c.username == username))


def _name(username: str) -> str:
    """A user name as stored and counted: trimmed, lower case, at most 64 characters."""
    return username.strip().lower()[:64]


def _client(client: str | None) -> str:
    """A client key as counted ("" when unknown)."""
    return (client or "").strip()[:64]


def _guards(name: str, client: str | None) -> list[tuple[str, str, str]]:
    """The guards one attempt counts in: (kind, user name, client), in locking order."""
    where = _client(client)
    guards = [(GUARD_NAME_CLIENT, name, where), (GUARD_NAME, name, "")]
    if where:
        guards.append((GUARD_CLIENT, "", where))
    return guards


def _at(moment: datetime) -> sa.BindParameter[datetime]:
    """A bound timestamp that SQLAlchemy stores the same way as the DateTime columns."""
    return sa.bindparam(None, moment, type_=sa.DateTime())


def _insert_missing(conn: sa.Connection, kind: str, username: str, client: str) -> sa.Executable:
    """INSERT the guard's row unless it exists (either engine; never fails on a race)."""
    values = {
        "kind": kind,
        "username": username,
        "client": client,
        "failures": 0,
        "pending": 0,
        "locks": 0,
    }
    if conn.dialect.name == "postgresql":
        return pg_insert(login_guard).values(**values).on_conflict_do_nothing()
    return sqlite_insert(login_guard).values(**values).on_conflict_do_nothing()


def users_url() -> str:
    """Where the user store is: ``WELFARE_USERS_URL``, the demo users, or data/users.sqlite."""
    url = os.environ.get(USERS_ENV, "").strip()
    if url:
        return url
    if os.environ.get(DEMO_USERS_ENV, "").strip() in ("1", "true", "yes"):
        return f"sqlite:///{DEMO_USERS_PATH}"
    return f"sqlite:///{USERS_PATH}"


def open_existing(url: str) -> UserStore:
    """The user store at ``url``, which must exist already: a maintenance command run with the
    wrong ``WELFARE_USERS_URL`` must not report on a store it has just created.

    :raises UserStoreError: there is no user store there.
    """
    where = url.split("@")[-1]
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        raise UserStoreError(f"no user store at {where} (set WELFARE_USERS_URL)")
    engine = sa.create_engine(url)
    try:
        found = sa.inspect(engine).has_table(app_user.name)
    except sa.exc.DBAPIError as exc:
        raise UserStoreError(f"cannot open the user store at {where}: {exc.orig}") from exc
    finally:
        engine.dispose()
    if not found:
        raise UserStoreError(f"no user store at {where} (set WELFARE_USERS_URL)")
    return UserStore(url)


class UserStore:
    """Accounts and failed attempts in a small writable database."""

    def __init__(self, url: str | None = None) -> None:
        url = url or users_url()
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        if url.startswith("sqlite"):
            # Thirty sign-ins at once queue for SQLite's single writer; the default 5 s wait was
            # not enough on a loaded 2-core server (benchmarks.load saw "database is locked").
            self.engine: Engine = sa.create_engine(
                url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}
            )
            with self.engine.connect() as conn:
                # Readers (every page run re-checks its user) never wait for a writer.
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        else:
            self.engine = sa.create_engine(url, pool_pre_ping=True)
        metadata.create_all(self.engine)
        _migrate(self.engine)
        audit.install(self.engine)
        self.audit = audit.AuditTrail(self.engine)

    # --- management (the command-line tool) ----------------------------------------------
    def add(
        self,
        username: str,
        password: str,
        role: str,
        display_name: str = "",
        commune_code: str | None = None,
        version: str | None = None,
        province_code: str | None = None,
        actor: str = SYSTEM,
        email: str | None = None,
    ) -> None:
        """Create an account. A commune head's ``version`` is the unit version of its commune
        code ("2023" when not given); a province role needs ``province_code``.

        :raises UserStoreError: bad role, missing commune for a commune head (or province for a
            province role), unknown unit version, weak password, or the user name is taken.
        """
        username = self._check_username(username)
        self._check_role(role, commune_code, version, province_code)
        self._check_password(password)
        email = self._check_email(email)
        now = _now()
        hashed = _hasher.hash(password)  # before the transaction: the audit lock is held briefly
        try:
            with self.engine.begin() as conn:
                units = _unit_values(role, commune_code, version, province_code)
                _audit_change(conn, actor, username, "add", role=role, email=email, **units)
                conn.execute(
                    app_user.insert().values(
                        username=username,
                        display_name=display_name or username,
                        password_hash=hashed,
                        role=role,
                        **units,
                        email=email,
                        disabled=False,
                        created_at=now,
                        password_changed_at=now,
                    )
                )
        except sa.exc.IntegrityError as exc:
            raise UserStoreError(f"user name '{username}' is already taken") from exc

    def set_password(self, username: str, password: str, actor: str = SYSTEM) -> None:
        """Reset a password, lift the user's locks (failed attempts forgotten) and end their open
        sessions."""
        self._check_password(password)
        hashed = _hasher.hash(password)  # before the transaction: the audit lock is held briefly
        with self.engine.begin() as conn:
            _audit_change(conn, actor, username, "reset")
            changed = conn.execute(
                app_user.update()
                .where(app_user.c.username == username)
                .values(password_hash=hashed, password_changed_at=_now())
            ).rowcount
            conn.execute(
                login_guard.delete().where(
                    login_guard.c.username == username,
                    login_guard.c.kind.in_((GUARD_NAME, GUARD_NAME_CLIENT)),
                )
            )
            _end_sessions(conn, username)
            _changed(changed, username)  # else nothing is written, the audit entry neither

    def set_email(self, username: str, email: str | None, actor: str = SYSTEM) -> None:
        """Set (or, with None, clear) where the account's briefings are sent."""
        email = self._check_email(email)
        with self.engine.begin() as conn:
            _audit_change(conn, actor, username, "email", email=email or "")
            changed = conn.execute(
                app_user.update().where(app_user.c.username == username).values(email=email)
            ).rowcount
            _changed(changed, username)

    def recipients(self, usernames: Sequence[str] | None = None) -> list[Recipient]:
        """The accounts named (every account when None), in order, each with its e-mail and
        whether it is disabled; a name with no account is returned with ``user`` None."""
        with self.engine.connect() as conn:
            stmt = sa.select(app_user).order_by(app_user.c.username)
            if usernames is not None:
                stmt = stmt.where(app_user.c.username.in_([_name(n) for n in usernames]))
            found = {r["username"]: r for r in conn.execute(stmt).mappings()}
        names = list(found) if usernames is None else [_name(n) for n in usernames]
        result = []
        for name in names:
            row = found.get(name)
            if row is None:
                result.append(Recipient(name, None, None, False))
            else:
                result.append(Recipient(name, _user(row), row["email"], bool(row["disabled"])))
        return result

    def set_disabled(self, username: str, disabled: bool, actor: str = SYSTEM) -> None:
        """Disable or re-enable an account (either way, its open sessions end)."""
        with self.engine.begin() as conn:
            _audit_change(conn, actor, username, "disable" if disabled else "enable")
            changed = conn.execute(
                app_user.update().where(app_user.c.username == username).values(disabled=disabled)
            ).rowcount
            _end_sessions(conn, username)
            _changed(changed, username)

    def set_role(
        self,
        username: str,
        role: str,
        commune_code: str | None = None,
        version: str | None = None,
        province_code: str | None = None,
        actor: str = SYSTEM,
    ) -> None:
        """Change a user's role (and commune with its unit version, for a commune head, or
        province, for a province role); their open sessions end."""
        self._check_role(role, commune_code, version, province_code)
        units = _unit_values(role, commune_code, version, province_code)
        with self.engine.begin() as conn:
            _audit_change(conn, actor, username, "role", role=role, **units)
            changed = conn.execute(
                app_user.update().where(app_user.c.username == username).values(role=role, **units)
            ).rowcount
            _end_sessions(conn, username)
            _changed(changed, username)

    def list_users(self) -> list[dict[str, object]]:
        """Every account, without hashes."""
        with self.engine.connect() as conn:
            rows = (
                conn.execute(
                    sa.select(
                        app_user.c.username,
                        app_user.c.display_name,
                        app_user.c.role,
                        app_user.c.commune_code,
                        app_user.c.unit_version,
                        app_user.c.province_code,
                        app_user.c.disabled,
                    ).order_by(app_user.c.username)
                )
                .mappings()
                .all()
            )
        return [dict(r) for r in rows]

    def count(self) -> int:
        """How many accounts exist (enabled or not)."""
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(app_user)).scalar() or 0)

    # --- sign-in -----------------------------------------------------------------------------
    def is_locked(
        self, username: str, now: datetime | None = None, client: str | None = None
    ) -> bool:
        """True when a sign-in for ``username`` from ``client`` would be refused right now."""
        return self._lock_end(_guards(_name(username), client), now or _now()) is not None

    def locked_until(self, now: datetime | None = None) -> dict[str, datetime]:
        """User names with a lock in force (from every client or from some), and its end."""
        now = now or _now()
        g = login_guard
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(g.c.username, sa.func.max(g.c.locked_until))
                .where(
                    g.c.kind.in_((GUARD_NAME, GUARD_NAME_CLIENT)),
                    g.c.locked_until > now,
                )
                .group_by(g.c.username)
            ).all()
        return {str(name): until for name, until in rows}

    def unlock(
        self, username: str | None = None, client: str | None = None, actor: str = SYSTEM
    ) -> int:
        """Lift the locks and forget the failures of a user name (every client) or of a client;
        how many guards were cleared."""
        g = login_guard
        if username:
            which = sa.and_(
                g.c.username == _name(username), g.c.kind.in_((GUARD_NAME, GUARD_NAME_CLIENT))
            )
        elif client:
            which = sa.and_(g.c.client == _client(client), g.c.kind == GUARD_CLIENT)
        else:
            raise UserStoreError("unlock needs a user name or --client ADDRESS")
        with self.engine.begin() as conn:
            target = _name(username) if username else ""
            _audit_change(conn, actor, target, "unlock", client=_client(client) or None)
            return int(conn.execute(g.delete().where(which)).rowcount or 0)

    def authenticate(
        self,
        username: str,
        password: str,
        now: datetime | None = None,
        client: str | None = None,
    ) -> SignInResult:
        """Check a user name and password; ``client`` is who asks (the connecting IP address).

        Unknown names are treated exactly like wrong passwords (same hashing work, same failure
        count, same lock-out), so the result never reveals whether a name exists. A full guard
        refuses before any password is checked (see the module's docstring).
        """
        now = now or _now()
        name = _name(username)
        guards = _guards(name, client)
        waited = time.monotonic() + SLOT_WAIT_S
        while not self._reserve(guards, now):
            # Full: locked, or every slot taken by checks still running. Then wait for them: if
            # they fail, the guard locks; if one succeeds, its slot is free again. So parallel
            # sign-ins of one name queue for a moment instead of being refused.
            until = self._lock_end(guards, now)
            if until is not None or time.monotonic() > waited:
                refused = SignInResult(None, locked=True, until=until)
                self._audit_sign_in(name, client, refused)
                return refused
            time.sleep(SLOT_POLL_S)
        ok = False
        row = None
        try:
            with self.engine.connect() as conn:
                row = (
                    conn.execute(sa.select(app_user).where(app_user.c.username == name))
                    .mappings()
                    .first()
                )
            stored = row["password_hash"] if row else _DUMMY_HASH
            try:
                with _VERIFYING:
                    verified = _hasher.verify(stored, password)
                ok = verified and row is not None and not row["disabled"]
            except (VerificationError, InvalidHashError):
                ok = False
        finally:  # the slot is given back whatever happens, or it would stay taken
            self._release(guards, now, failed=not ok)
        if not ok:
            until = self._lock_end(guards, now)
            result = SignInResult(None, locked=until is not None, until=until)
        else:
            assert row is not None
            result = SignInResult(_user(row))
        self._audit_sign_in(name, client, result)
        return result

    def _audit_sign_in(self, name: str, client: str | None, result: SignInResult) -> None:
        """Record the attempt: signed in, refused, or refused and locked.

        :raises audit.AuditWriteError: not recorded (the page says the service is busy).
        """
        detail: dict[str, object]
        if result.user is not None:
            event, detail = audit.SIGN_IN, {"method": "password"}
        elif result.locked:
            until = result.until.isoformat(timespec="seconds") if result.until else None
            event, detail = audit.SIGN_IN_LOCKED, {"method": "password", "until": until}
        else:
            event, detail = audit.SIGN_IN_FAILED, {"method": "password"}
        self.audit.record(Entry(event, name, detail=detail, client=_client(client)))

    def _reserve(self, guards: list[tuple[str, str, str]], now: datetime) -> bool:
        """Take a slot in every guard, all or none, in one transaction; False when one is full
        or locked."""
        g = login_guard
        fresh = sa.or_(
            g.c.window_start.is_(None),
            g.c.window_start <= now - WINDOW,
            g.c.locked_until <= now,  # a lock that has run out starts a new window
        )
        with self.engine.connect() as conn:
            for kind, username, client in guards:  # always in the same order: no deadlock
                conn.execute(_insert_missing(conn, kind, username, client))
                taken = conn.execute(
                    g.update()
                    .where(
                        g.c.kind == kind,
                        g.c.username == username,
                        g.c.client == client,
                        sa.or_(g.c.locked_until.is_(None), g.c.locked_until <= now),
                        sa.or_(fresh, g.c.failures + g.c.pending < GUARD_LIMITS[kind]),
                    )
                    .values(
                        failures=sa.case((fresh, 0), else_=g.c.failures),
                        # slots older than a window belong to checks that never came back
                        pending=sa.case((fresh, 0), else_=g.c.pending) + 1,
                        window_start=sa.case((fresh, _at(now)), else_=g.c.window_start),
                        locked_until=None,
                    )
                ).rowcount
                if taken != 1:
                    conn.rollback()
                    return False
            conn.commit()
        return True

    def _release(self, guards: list[tuple[str, str, str]], now: datetime, failed: bool) -> None:
        """Give the slots back; a failure is counted, and locks a guard that reaches its limit."""
        g = login_guard
        pending = sa.case((g.c.pending > 0, g.c.pending - 1), else_=0)
        recent = g.c.last_lock_at > now - LOCK_MEMORY
        with self.engine.begin() as conn:
            for kind, username, client in guards:
                key = sa.and_(g.c.kind == kind, g.c.username == username, g.c.client == client)
                if not failed:
                    # the owner got in: the next lock of their name starts short again
                    locks = g.c.locks if kind == GUARD_CLIENT else sa.literal(0)
                    conn.execute(g.update().where(key).values(pending=pending, locks=locks))
                    continue
                locking = g.c.failures + 1 >= GUARD_LIMITS[kind]
                steps = [
                    (sa.and_(recent, g.c.locks >= step), _at(now + LOCK_STEPS[step]))
                    for step in range(len(LOCK_STEPS) - 1, 0, -1)
                ]
                conn.execute(
                    g.update()
                    .where(key)
                    .values(
                        failures=g.c.failures + 1,
                        pending=pending,
                        locked_until=sa.case(
                            (locking, sa.case(*steps, else_=_at(now + LOCK_STEPS[0]))),
                            else_=g.c.locked_until,
                        ),
                        locks=sa.case(
                            (locking, sa.case((recent, g.c.locks + 1), else_=1)),
                            else_=g.c.locks,
                        ),
                        last_lock_at=sa.case((locking, _at(now)), else_=g.c.last_lock_at),
                    )
                )

    def _lock_end(self, guards: list[tuple[str, str, str]], now: datetime) -> datetime | None:
        """When the latest lock in force on these guards ends; None when none is locked."""
        g = login_guard
        keys = [
            sa.and_(g.c.kind == kind, g.c.username == username, g.c.client == client)
            for kind, username, client in guards
        ]
        with self.engine.connect() as conn:
            until = conn.execute(
                sa.select(sa.func.max(g.c.locked_until)).where(
                    sa.or_(*keys), g.c.locked_until > now
                )
            ).scalar()
        return until

    def get(self, username: str) -> User | None:
        """The enabled account ``username`` (used to re-check a session), or None."""
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    sa.select(app_user).where(
                        app_user.c.username == username, app_user.c.disabled.is_(False)
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            return None
        return _user(row)

    # --- checks --------------------------------------------------------------------------------
    @staticmethod
    def _check_username(username: str) -> str:
        name = username.strip().lower()
        if not name or len(name) > 64 or not all(c.isalnum() or c in "._-" for c in name):
            raise UserStoreError("user names use letters, digits, '.', '_' or '-' (max 64)")
        return name

    @staticmethod
    def _check_role(
        role: str,
        commune_code: str | None,
        version: str | None = None,
        province_code: str | None = None,
    ) -> None:
        if role not in ROLES:
            raise UserStoreError(f"role must be one of {', '.join(ROLES)}")
        if role == ROLE_COMMUNE and not commune_code:
            raise UserStoreError("a commune head needs --commune CODE")
        if role == ROLE_PROVINCE and not province_code:
            raise UserStoreError("a province role needs --province CODE")
        if version is not None and version not in VERSION_DATES:
            raise UserStoreError(f"--version must be one of {', '.join(VERSION_DATES)}")
        if version is not None and role not in (ROLE_COMMUNE, ROLE_CLERK):
            raise UserStoreError("--version goes with a commune head's --commune")
        if version is not None and not commune_code:
            raise UserStoreError("--version goes with --commune")
        if province_code and role != ROLE_PROVINCE:
            raise UserStoreError("--province goes with --role province")

    @staticmethod
    def _check_email(email: str | None) -> str | None:
        if email is None or not email.strip():
            return None
        email = email.strip()
        local, at, domain = email.rpartition("@")
        if not at or not local or "." not in domain or any(c.isspace() for c in email):
            raise UserStoreError(f"'{email}' is not an e-mail address")
        if not email.isascii():  # an address with diacritics cannot be sent to by every server
            raise UserStoreError(f"'{email}': write the address without diacritics")
        return email[:254]

    @staticmethod
    def _check_password(password: str) -> None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise UserStoreError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")


DEMO_USERS = [
    # (user name, password, role, display name, commune) — demo data only, documented in README.
    # The communes are 2023 units.
    ("lanhdao", "demo-lanhdao-2023", ROLE_DISTRICT, "Lãnh đạo huyện (mẫu)", None),
    ("quangtan", "demo-quangtan-2023", ROLE_COMMUNE, "Chủ tịch UBND xã Quảng Tân (mẫu)", "06913"),
    ("xem", "demo-xem-so-lieu-2023", ROLE_VIEWER, "Người xem (mẫu)", None),
]
# Sample accounts of the units since 1/7/2025 and of the province: (user name, password, role,
# display name, commune, unit version, province). Kept apart from DEMO_USERS, whose five fields
# the tests and benchmarks unpack.
DEMO_USERS_TREE = [
    (
        "xaquangtan",
        "demo-xaquangtan-2025",
        ROLE_COMMUNE,
        "Chủ tịch UBND xã Quảng Tân mới (mẫu)",
        "06913",
        "2025",
        None,
    ),
    (
        "lanhdaotinh",
        "demo-lanhdaotinh-2025",
        ROLE_PROVINCE,
        "Lãnh đạo tỉnh (mẫu)",
        None,
        None,
        "22",
    ),
    (
        "nhaplieu",
        "demo-nhaplieu-2025",
        ROLE_CLERK,
        "Cán bộ nhập liệu xã Quảng Tân (mẫu)",
        "06913",
        "2025",
        None,
    ),
]


def seed_demo_users(store: UserStore) -> None:
    """Create the demo's sample accounts, once (a store seeded earlier gains the new ones)."""
    existing = {u["username"] for u in store.list_users()}
    for username, password, role, name, commune in DEMO_USERS:
        if username not in existing:
            store.add(username, password, role, name, commune)
    for username, password, role, name, commune, version, province in DEMO_USERS_TREE:
        if username not in existing:
            store.add(username, password, role, name, commune, version, province)
