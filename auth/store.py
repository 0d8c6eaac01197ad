"""The user store: accounts with argon2 password hashes, roles, commune scope and lock-out.

It lives in its own database (default ``data/users.sqlite``; ``WELFARE_USERS_URL`` overrides),
written separately from the read-only welfare connection. Passwords are never stored or logged,
only their argon2id hashes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine

from data_access.filters import Scope
from i18n import Catalog

PROJECT_ROOT = Path(__file__).resolve().parent.parent
USERS_PATH = PROJECT_ROOT / "data" / "users.sqlite"
DEMO_USERS_PATH = PROJECT_ROOT / "data" / "demo-users.sqlite"
USERS_ENV = "WELFARE_USERS_URL"
DEMO_USERS_ENV = "WELFARE_DEMO_USERS"

MAX_FAILURES = 5  # failed attempts for one user name before it is locked (issue 4)
LOCKOUT = timedelta(minutes=15)  # long enough to stop guessing, short enough for a meeting
MIN_PASSWORD_LENGTH = 10  # argon2 makes guessing slow; length makes it hopeless

ROLE_DISTRICT = "district"  # lãnh đạo huyện: all communes, person lists
ROLE_COMMUNE = "commune"  # chủ tịch UBND xã: own commune, its person lists
ROLE_VIEWER = "viewer"  # xem số liệu tổng hợp: aggregates only
ROLES = (ROLE_DISTRICT, ROLE_COMMUNE, ROLE_VIEWER)
# The stored role codes and what a person reads beside their name.
ROLE_LABELS = Catalog(
    "auth.store.roles",
    {
        ROLE_DISTRICT: ("Lãnh đạo huyện", "District leadership"),
        ROLE_COMMUNE: ("Lãnh đạo xã", "Commune head"),
        ROLE_VIEWER: ("Xem số liệu tổng hợp", "Viewer (aggregates only)"),
    },
)

_hasher = PasswordHasher()
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
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("password_changed_at", sa.DateTime, nullable=False),
)
login_failure = sa.Table(
    "login_failure",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("failed_at", sa.DateTime, nullable=False),
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


class UserStoreError(Exception):
    """A user-management request that cannot be carried out (message is for the operator)."""


@dataclass(frozen=True)
class User:
    """A signed-in user: who, which role, which commune."""

    username: str
    display_name: str
    role: str
    commune_code: str | None

    def scope(self) -> Scope:
        """What this user may see."""
        if self.role == ROLE_DISTRICT:
            return Scope(None, persons=True, label=self.username)
        if self.role == ROLE_COMMUNE and self.commune_code:
            return Scope(frozenset({self.commune_code}), persons=True, label=self.username)
        return Scope(None, persons=False, label=self.username)


@dataclass(frozen=True)
class SignInResult:
    """The outcome of a sign-in attempt; ``user`` is None when refused."""

    user: User | None
    locked: bool = False


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _end_sessions(conn: sa.Connection, username: str) -> None:
    """Delete every session of ``username``: its cookie no longer signs anyone in."""
    conn.execute(app_session.delete().where(app_session.c.username == username))


def users_url() -> str:
    """Where the user store is: ``WELFARE_USERS_URL``, the demo users, or data/users.sqlite."""
    url = os.environ.get(USERS_ENV, "").strip()
    if url:
        return url
    if os.environ.get(DEMO_USERS_ENV, "").strip() in ("1", "true", "yes"):
        return f"sqlite:///{DEMO_USERS_PATH}"
    return f"sqlite:///{USERS_PATH}"


class UserStore:
    """Accounts and failed attempts in a small writable database."""

    def __init__(self, url: str | None = None) -> None:
        url = url or users_url()
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = sa.create_engine(url)
        metadata.create_all(self.engine)

    # --- management (the command-line tool) ----------------------------------------------
    def add(
        self,
        username: str,
        password: str,
        role: str,
        display_name: str = "",
        commune_code: str | None = None,
    ) -> None:
        """Create an account.

        :raises UserStoreError: bad role, missing commune for a commune head, weak password,
            or the user name is taken.
        """
        username = self._check_username(username)
        self._check_role(role, commune_code)
        self._check_password(password)
        now = _now()
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    app_user.insert().values(
                        username=username,
                        display_name=display_name or username,
                        password_hash=_hasher.hash(password),
                        role=role,
                        commune_code=commune_code if role == ROLE_COMMUNE else None,
                        disabled=False,
                        created_at=now,
                        password_changed_at=now,
                    )
                )
        except sa.exc.IntegrityError as exc:
            raise UserStoreError(f"user name '{username}' is already taken") from exc

    def set_password(self, username: str, password: str) -> None:
        """Reset a password, clear the user's failed attempts and end their open sessions."""
        self._check_password(password)
        with self.engine.begin() as conn:
            changed = conn.execute(
                app_user.update()
                .where(app_user.c.username == username)
                .values(password_hash=_hasher.hash(password), password_changed_at=_now())
            ).rowcount
            conn.execute(login_failure.delete().where(login_failure.c.username == username))
            _end_sessions(conn, username)
        if not changed:
            raise UserStoreError(f"no user '{username}'")

    def set_disabled(self, username: str, disabled: bool) -> None:
        """Disable or re-enable an account (either way, its open sessions end)."""
        with self.engine.begin() as conn:
            changed = conn.execute(
                app_user.update().where(app_user.c.username == username).values(disabled=disabled)
            ).rowcount
            _end_sessions(conn, username)
        if not changed:
            raise UserStoreError(f"no user '{username}'")

    def set_role(self, username: str, role: str, commune_code: str | None = None) -> None:
        """Change a user's role (and commune, for a commune head); their open sessions end."""
        self._check_role(role, commune_code)
        with self.engine.begin() as conn:
            changed = conn.execute(
                app_user.update()
                .where(app_user.c.username == username)
                .values(role=role, commune_code=commune_code if role == ROLE_COMMUNE else None)
            ).rowcount
            _end_sessions(conn, username)
        if not changed:
            raise UserStoreError(f"no user '{username}'")

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
    def is_locked(self, username: str, now: datetime | None = None) -> bool:
        """True when the user name had MAX_FAILURES failures within the lock-out window."""
        now = now or _now()
        with self.engine.connect() as conn:
            recent = conn.execute(
                sa.select(sa.func.count())
                .select_from(login_failure)
                .where(
                    login_failure.c.username == username.strip().lower(),
                    login_failure.c.failed_at > now - LOCKOUT,
                )
            ).scalar()
        return int(recent or 0) >= MAX_FAILURES

    def authenticate(
        self, username: str, password: str, now: datetime | None = None
    ) -> SignInResult:
        """Check a user name and password. Unknown names are treated exactly like wrong
        passwords (same hashing work, same failure count, same lock-out), so the result never
        reveals whether a name exists."""
        now = now or _now()
        name = username.strip().lower()[:64]
        if self.is_locked(name, now):
            return SignInResult(None, locked=True)
        with self.engine.connect() as conn:
            row = (
                conn.execute(sa.select(app_user).where(app_user.c.username == name))
                .mappings()
                .first()
            )
        stored = row["password_hash"] if row else _DUMMY_HASH
        try:
            ok = _hasher.verify(stored, password) and row is not None and not row["disabled"]
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            with self.engine.begin() as conn:
                conn.execute(login_failure.insert().values(username=name, failed_at=now))
            return SignInResult(None, locked=self.is_locked(name, now))
        assert row is not None
        with self.engine.begin() as conn:
            conn.execute(login_failure.delete().where(login_failure.c.username == name))
        return SignInResult(
            User(row["username"], row["display_name"], row["role"], row["commune_code"])
        )

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
        return User(row["username"], row["display_name"], row["role"], row["commune_code"])

    # --- checks --------------------------------------------------------------------------------
    @staticmethod
    def _check_username(username: str) -> str:
        name = username.strip().lower()
        if not name or len(name) > 64 or not all(c.isalnum() or c in "._-" for c in name):
            raise UserStoreError("user names use letters, digits, '.', '_' or '-' (max 64)")
        return name

    @staticmethod
    def _check_role(role: str, commune_code: str | None) -> None:
        if role not in ROLES:
            raise UserStoreError(f"role must be one of {', '.join(ROLES)}")
        if role == ROLE_COMMUNE and not commune_code:
            raise UserStoreError("a commune head needs --commune CODE")

    @staticmethod
    def _check_password(password: str) -> None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise UserStoreError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")


DEMO_USERS = [
    # (user name, password, role, display name, commune) — demo data only, documented in README
    ("lanhdao", "demo-lanhdao-2023", ROLE_DISTRICT, "Lãnh đạo huyện (mẫu)", None),
    ("quangtan", "demo-quangtan-2023", ROLE_COMMUNE, "Chủ tịch UBND xã Quảng Tân (mẫu)", "06913"),
    ("xem", "demo-xem-so-lieu-2023", ROLE_VIEWER, "Người xem (mẫu)", None),
]


def seed_demo_users(store: UserStore) -> None:
    """Create the three sample accounts of the demo, once."""
    existing = {u["username"] for u in store.list_users()}
    for username, password, role, name, commune in DEMO_USERS:
        if username not in existing:
            store.add(username, password, role, name, commune)
