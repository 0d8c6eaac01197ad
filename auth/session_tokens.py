"""Server-side sign-in sessions, so that a reload keeps a user signed in (issue 13, defect 11).

A Streamlit session lives as long as its WebSocket: a reload, a new tab or a tablet that
discards a background tab starts a new one with an empty ``st.session_state``. What survives is
a cookie, and this module keeps what the cookie stands for, in the user store's own database
(table ``app_session``, never the welfare database):

1. Signing in with the form calls :meth:`SessionTokens.begin`: a row for the user and a
   one-time *handoff code* (valid ``HANDOFF_LIFETIME``). Only the code's SHA-256 is stored.
2. The page hands the code to the server's own route (auth/web.py), which calls
   :meth:`SessionTokens.redeem`: the code is spent and replaced by a fresh random *token*, which
   the route sets as an HttpOnly cookie. Only the token's SHA-256 is stored; the token itself
   exists only in that cookie, where page scripts cannot read it.
3. After a reload, the WebSocket's handshake carries the cookie (``st.context.cookies``) and
   :meth:`SessionTokens.resume` finds the row: the user is signed in again.

A session ends after ``idle`` without activity (``auth.session.IDLE_TIMEOUT_S``), after
``ABSOLUTE_LIFETIME`` whatever the activity, on sign-out (:meth:`end`: the row is deleted, so
the cookie no longer works even if replayed), and when the user's password is reset, the account
disabled or its role changed (``auth.store`` deletes the user's rows). A token that is unknown,
tampered with, expired or malformed resumes nothing; it never raises.

The token is 256 random bits looked up by hash, rather than a signed value carrying the user
name: it can be revoked on the server, and a copy of the database does not yield a usable cookie.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeGuard

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .store import _now, app_session

HANDOFF_LIFETIME = timedelta(minutes=2)  # the page spends its code within a second; slack for CI
ABSOLUTE_LIFETIME = timedelta(hours=12)  # a working day; then sign in again, however active
TOUCH_EVERY = timedelta(minutes=1)  # last activity is written at most once a minute per session
MAX_SECRET_CHARS = 128  # a real token or code is 43 characters; anything far longer is junk


@dataclass(frozen=True)
class Resumed:
    """The outcome of presenting a cookie: the session and its user, or why not."""

    session_id: int | None = None
    username: str | None = None
    expired: bool = False  # a real session that ran out (idle or too old), not an unknown token


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def _usable(secret: object) -> TypeGuard[str]:
    return isinstance(secret, str) and 0 < len(secret) <= MAX_SECRET_CHARS


class SessionTokens:
    """Sessions of the user store at ``engine`` (the table is created by ``UserStore``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def begin(self, username: str, idle: timedelta, now: datetime | None = None) -> tuple[int, str]:
        """Open a session for ``username``; its id and the one-time code that sets the cookie.

        Sessions that have ended on their own are deleted on the way.
        """
        now = now or _now()
        code = secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(app_session.delete().where(self._ended(now, idle)))
            session_id = conn.execute(
                app_session.insert().values(
                    username=username,
                    handoff_hash=_digest(code),
                    handoff_expires_at=now + HANDOFF_LIFETIME,
                    created_at=now,
                    last_seen_at=now,
                )
            ).inserted_primary_key
        assert session_id is not None
        return int(session_id[0]), code

    def redeem(self, code: object, now: datetime | None = None) -> str | None:
        """Spend a handoff code: the new cookie token, or None (unknown, spent or too late)."""
        if not _usable(code):
            return None
        now = now or _now()
        token = secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            spent = conn.execute(
                app_session.update()
                .where(
                    app_session.c.handoff_hash == _digest(code),
                    app_session.c.handoff_expires_at > now,
                    app_session.c.created_at > now - ABSOLUTE_LIFETIME,
                )
                .values(token_hash=_digest(token), handoff_hash=None, handoff_expires_at=None)
            ).rowcount
        return token if spent == 1 else None

    def resume(self, token: object, idle: timedelta, now: datetime | None = None) -> Resumed:
        """The session a cookie's token stands for, refreshed as active; or why there is none."""
        if not _usable(token):
            return Resumed()
        now = now or _now()
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    sa.select(app_session.c.id, app_session.c.username).where(
                        app_session.c.token_hash == _digest(token)
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            return Resumed()
        if not self.check(row["id"], idle, now):
            return Resumed(expired=True)
        return Resumed(row["id"], row["username"])

    def check(self, session_id: int, idle: timedelta, now: datetime | None = None) -> bool:
        """True while session ``session_id`` is open; notes the activity (once a minute).

        An ended session's row is deleted, so its cookie cannot bring it back.
        """
        now = now or _now()
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    sa.select(app_session.c.created_at, app_session.c.last_seen_at).where(
                        app_session.c.id == session_id
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            return False
        if row["last_seen_at"] <= now - idle or row["created_at"] <= now - ABSOLUTE_LIFETIME:
            self.end(session_id)
            return False
        if row["last_seen_at"] <= now - TOUCH_EVERY:
            with self.engine.begin() as conn:
                conn.execute(
                    app_session.update()
                    .where(app_session.c.id == session_id)
                    .values(last_seen_at=now)
                )
        return True

    def end(self, session_id: int) -> None:
        """Sign-out: the session and its cookie stop working at once."""
        with self.engine.begin() as conn:
            conn.execute(app_session.delete().where(app_session.c.id == session_id))

    def end_token(self, token: object) -> None:
        """End the session a cookie's token stands for, if any."""
        if _usable(token):
            with self.engine.begin() as conn:
                conn.execute(app_session.delete().where(app_session.c.token_hash == _digest(token)))

    def count(self, username: str | None = None) -> int:
        """How many sessions are stored (of ``username``), ended or not."""
        query = sa.select(sa.func.count()).select_from(app_session)
        if username is not None:
            query = query.where(app_session.c.username == username)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)

    @staticmethod
    def _ended(now: datetime, idle: timedelta) -> sa.ColumnElement[bool]:
        return sa.or_(
            app_session.c.last_seen_at <= now - idle,
            app_session.c.created_at <= now - ABSOLUTE_LIFETIME,
        )
