"""The UI's door to the data layer: one cached engine, and query results cached per Filters+Scope.

Pages call ``run(fn, filters, scope, *args)``; ``fn`` is any data_access function of the form
``fn(conn, filters, scope, *args)``. Results are cached with a TTL, keyed by the function, the
database, the filters, the scope and the extra arguments — so two users with different scopes
never share an entry.

A database that goes away (issue 18): a query that fails because the server cannot be reached
raises ``DatabaseUnavailableError`` (carrying when the database last answered), never a
sqlalchemy error; nothing is cached for it, so the next run after the server returns queries
again, and the engine (``pool_pre_ping``) replaces its dead pooled connections. ``run`` shows
the notice in place of what it could not get and stops the page; each cached result carries
the time it was computed, and while the database is down ``ui.page`` shows one notice at the
top saying the figures come from the cache, as of the oldest result the page showed.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, NoReturn, TypeVar
from zoneinfo import ZoneInfo

import streamlit as st
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from charts.formatting import fmt_date
from data_access import areas, db, queries, summaries
from data_access.demo import demo_engine
from data_access.errors import DatabaseUnavailableError
from data_access.filters import Filters, Scope
from data_access.queries import data_as_of
from data_access.units import scoped_catalogue, unit_catalogue
from i18n import Catalog

from .i18n import t

CACHE_TTL_S = 600  # figures change with monthly payment runs; 10 minutes keeps meetings fresh
# Each page run asks the database whether it answers (one pooled checkout, pre-pinged). While
# it is down, the whole process asks at most once per second: a server that returns is seen
# within a second, and a burst of reruns does not each wait for a connection timeout.
CHECK_INTERVAL_S = 1.0
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ResultT = TypeVar("ResultT")
log = logging.getLogger(__name__)

T = Catalog(
    "ui.data",
    {
        "down_cached": (
            "Không kết nối được cơ sở dữ liệu. Số liệu trên trang lấy từ bộ nhớ đệm, "
            "tính lúc {at}; số liệu mới sẽ hiện khi kết nối lại.",
            "Cannot reach the database. The figures on this page come from the cache, as of "
            "{at}; new figures will show once the connection is back.",
        ),
        "down_nothing_cached": (
            "Không kết nối được cơ sở dữ liệu. Trang này cần số liệu chưa có trong bộ nhớ đệm; "
            "hãy thử lại sau ít phút.",
            "Cannot reach the database. This page needs figures that are not in the cache; "
            "please try again in a few minutes.",
        ),
        "down_here": (
            "Không kết nối được cơ sở dữ liệu: phần này cần số liệu chưa có trong bộ nhớ đệm "
            "(lần cuối lấy được số liệu lúc {at}). Hãy thử lại sau ít phút.",
            "Cannot reach the database: this part needs figures that are not in the cache "
            "(figures last fetched at {at}). Please try again in a few minutes.",
        ),
        "down_page": (
            "Không kết nối được cơ sở dữ liệu (lần cuối lấy được số liệu lúc {at}). "
            "Hãy thử lại sau ít phút.",
            "Cannot reach the database (figures last fetched at {at}). "
            "Please try again in a few minutes.",
        ),
        "down_never": (
            "Không kết nối được cơ sở dữ liệu: chưa lấy được số liệu nào. Hãy thử lại sau ít phút.",
            "Cannot reach the database: no figures have been fetched yet. "
            "Please try again in a few minutes.",
        ),
    },
)


@dataclass(frozen=True)
class Database:
    """The open welfare database: engine, whether it is the demo, and a key for caching."""

    engine: Engine
    is_demo: bool
    key: str


@st.cache_resource(show_spinner=False)
def _open(url: str | None) -> Database:
    # An exception here is not cached: the next run tries to open the database again.
    engine = demo_engine() if url is None else db.make_engine(url)
    key = f"demo:{db.DEMO_PATH}" if url is None else db.shown(url)
    try:
        with engine.connect() as conn:
            demo = queries.is_demo_database(conn)
    except DBAPIError as exc:
        engine.dispose()
        raise DatabaseUnavailableError(key, _reason(exc)) from exc
    _health(key).answered(key)
    return Database(engine, demo, key)


# --- a database that goes away ----------------------------------------------------------------


@dataclass
class Health:
    """What this process knows of a database's reachability (shared by every session)."""

    last_good: datetime | None = None  # when the database last answered (UTC)
    down_since: datetime | None = None  # set from the first failure until it answers again
    checked: float = float("-inf")  # time.monotonic() of the last check
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def answered(self, db_key: str) -> None:
        """The database answered a query just now."""
        with self.lock:
            if self.down_since is not None:
                log.warning("The database %s answers again", db_key)
            self.last_good = datetime.now(UTC)
            self.down_since = None
            self.checked = time.monotonic()

    def failed(self, db_key: str, reason: str) -> None:
        """The database could not be reached just now."""
        with self.lock:
            if self.down_since is None:
                log.warning("The database %s does not answer: %s", db_key, reason)
                self.down_since = datetime.now(UTC)
            self.checked = time.monotonic()


@st.cache_resource(show_spinner=False)
def _health(db_key: str) -> Health:
    """The process-wide ``Health`` of the database ``db_key`` (one object, every session)."""
    return Health()


def _reason(exc: DBAPIError) -> str:
    """The driver's first line, for the log and the error's technical detail."""
    return str(exc.orig).strip().splitlines()[0] if exc.orig and str(exc.orig).strip() else ""


def _answers(engine: Engine) -> bool:
    """Whether the database answers now. ``pool_pre_ping`` checks a pooled connection on
    checkout and replaces a dead one, so a checkout that succeeds is an answer."""
    try:
        with engine.connect():
            return True
    except DBAPIError:
        return False


def _is_outage(exc: DBAPIError, engine: Engine) -> bool:
    """Whether ``exc`` means the database cannot be reached (rather than a bad query).

    A lost connection, or a failure before any statement ran (connecting), is an outage; an
    OperationalError or InterfaceError during a statement is one only if the database does not
    answer a fresh check (SQLite reports a missing table as an OperationalError, too).
    """
    if exc.connection_invalidated or exc.statement is None:
        return True
    return isinstance(exc, OperationalError | InterfaceError) and not _answers(engine)


def reachable() -> bool:
    """Whether the database answers now; while it is down, asked again at most once per
    ``CHECK_INTERVAL_S`` in this process.

    :raises WelfareDataError: the configured database cannot be opened at all.
    """
    current = database()
    health = _health(current.key)
    if health.down and time.monotonic() - health.checked < CHECK_INTERVAL_S:
        return False
    if _answers(current.engine):
        health.answered(current.key)
        return True
    health.failed(current.key, "no answer to a check")
    return False


@dataclass(frozen=True)
class Stamped:
    """A cached result and when the database computed it (UTC)."""

    value: Any
    at: datetime


def _query(fn: Callable[..., Any], *args: Any) -> Stamped:
    """``fn(conn, *args)`` on the database, stamped with the time it answered.

    :raises DatabaseUnavailableError: the database cannot be reached (nothing gets cached).
    """
    current = database()
    health = _health(current.key)
    try:
        with current.engine.connect() as conn:
            value = fn(conn, *args)
    except DBAPIError as exc:
        if not _is_outage(exc, current.engine):
            raise
        health.failed(current.key, _reason(exc))
        raise DatabaseUnavailableError(current.key, _reason(exc), health.last_good) from exc
    health.answered(current.key)
    return Stamped(value, datetime.now(UTC))


def local_time(moment: datetime, lang: str) -> str:
    """The time in Asia/Ho_Chi_Minh, then the date as the language writes it: 14:05 2/12/2026."""
    local = moment.astimezone(LOCAL_TZ)
    return f"{local:%H:%M} {fmt_date(local.date(), lang)}"


@dataclass
class _PageRun:
    """What one run of a page has used: its language, the oldest cached result it showed and
    where the "figures from the cache" notice stands (set while the database is down)."""

    lang: str
    oldest: datetime | None = None
    notice: Any = None  # the st.empty() slot at the top of the page
    health: Health | None = None  # the database's, while the notice stands


_RUN_KEY = "_data_page_run"


def begin_page(lang: str) -> None:
    """A page run starts: forget what the previous run used."""
    st.session_state[_RUN_KEY] = _PageRun(lang)


def _page_run() -> _PageRun:
    found = st.session_state.get(_RUN_KEY)
    return found if isinstance(found, _PageRun) else _PageRun("vi")


def _used(stamped: Stamped) -> Any:
    """Note that the page shows ``stamped``; while the database is down, the notice at the top
    of the page names the oldest such time. Once the database answers again during the run,
    the notice goes: what is cached is then as fresh as on any other run."""
    page = _page_run()
    if page.health is not None and not page.health.down:
        drop_cached_notice()
    if page.oldest is None or stamped.at < page.oldest:
        page.oldest = stamped.at
        if page.notice is not None:
            _write_cached_notice(page)
    return stamped.value


def _write_cached_notice(page: _PageRun) -> None:
    if page.oldest is None:
        page.notice.warning(T("down_nothing_cached", page.lang), icon="📡")
    else:
        at = local_time(page.oldest, page.lang)
        page.notice.warning(T("down_cached", page.lang, at=at), icon="📡")


def show_cached_notice() -> None:
    """The database is down: one notice here (the top of the page) that the figures come from
    the cache, as of the oldest cached result this page shows (updated as the page draws)."""
    page = _page_run()
    page.notice = st.empty()
    page.health = _health(database().key)
    _write_cached_notice(page)


def drop_cached_notice() -> None:
    """Take the "figures from the cache" notice away (the page will show none)."""
    page = _page_run()
    if page.notice is not None:
        page.notice.empty()
    page.notice = page.health = None


def outage_message(error: DatabaseUnavailableError, lang: str, *, whole_page: bool) -> str:
    """The notice for what could not be fetched (a part of the page, or the whole page), with
    when figures were last fetched."""
    if error.last_good is None:
        return T("down_never", lang)
    return T("down_page" if whole_page else "down_here", lang, at=local_time(error.last_good, lang))


def stop_for_outage(
    error: DatabaseUnavailableError, lang: str | None = None, *, whole_page: bool = False
) -> NoReturn:
    """Show the outage notice in place of what could not be fetched, and stop the page: no
    traceback, and what the page already drew stays."""
    chosen = lang or _page_run().lang
    st.warning(outage_message(error, chosen, whole_page=whole_page), icon="📡")
    st.stop()


def database() -> Database:
    """The dashboard's read-only database; builds the demo (with a progress bar) on first start.

    :raises WelfareDataError: the configured database is malformed or unreachable.
    """
    url = db.configured_url()
    if url is None and not db.DEMO_PATH.is_file():
        # Before the first page runs there is no language yet: the default, Vietnamese.
        bar = st.progress(0.0, text=t("building_demo"))

        def show(fraction: float, message: str) -> None:
            bar.progress(min(fraction, 1.0), text=message)

        demo_engine(progress=show)
        bar.empty()
    return _open(url)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, max_entries=2000)
def _cached(
    name: str, db_key: str, filters: Filters, scope: Scope, args: tuple[Any, ...]
) -> Stamped:
    return _query(_REGISTRY[name], filters, scope, *args)


_REGISTRY: dict[str, Callable[..., Any]] = {}


def shared(scope: Scope) -> Scope:
    """``scope`` as the cache keys it: what it may see, not who sees it. Streamlit hashes a
    dataclass by all its fields, so the account name (``label``) would give every user their
    own copy of the same figures (30 users, 30 cold caches: benchmarks.load)."""
    return dataclasses.replace(scope, label="") if scope.label else scope


def run(fn: Callable[..., ResultT], filters: Filters, scope: Scope, *args: Any) -> ResultT:
    """``fn(conn, filters, scope, *args)`` through the cache.

    When the database cannot be reached and the result is not cached, the outage notice takes
    its place and the page stops there (``stop_for_outage``): never a traceback.
    """
    name = f"{fn.__module__}.{fn.__qualname__}"
    _REGISTRY[name] = fn
    try:
        stamped = _cached(name, database().key, filters, shared(scope), args)
    except DatabaseUnavailableError as error:
        stop_for_outage(error)
    return _used(stamped)  # type: ignore[no-any-return]


# Each of these raises DatabaseUnavailableError (nothing cached) when the database cannot be
# reached and the value is not cached; ui.page shows the notice for them.


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _catalogue(db_key: str, version: str) -> Stamped:
    return _query(unit_catalogue, version)


def catalogue(version: str) -> Any:
    """The communes of a unit version (code, name, …)."""
    return _used(_catalogue(database().key, version))


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _as_of(db_key: str) -> Stamped:
    return _query(data_as_of)


def as_of() -> date | None:
    """The last day the data covers."""
    return _used(_as_of(database().key))  # type: ignore[no-any-return]


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _first_month(db_key: str) -> Stamped:
    return _query(queries.first_month)


def first_month() -> date | None:
    """The first month with data."""
    return _used(_first_month(database().key))  # type: ignore[no-any-return]


def _names(conn: Any, version: str, scope: Scope) -> dict[str, str]:
    frame = scoped_catalogue(conn, version, scope)
    return dict(zip(frame["code"], frame["name"], strict=True))


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _scoped_names(db_key: str, version: str, scope: Scope) -> Stamped:
    return _query(_names, version, scope)


def scoped_names(version: str, scope: Scope) -> dict[str, str]:
    """{code: name} of the communes of ``version`` that ``scope`` may see."""
    return _used(_scoped_names(database().key, version, shared(scope)))  # type: ignore[no-any-return]


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _area_names(db_key: str, version: str, scope: Scope) -> Stamped:
    return _query(areas.area_names, version, scope)


def area_names(version: str, scope: Scope) -> dict[str, str]:
    """{code: name} of the provinces and districts of ``version`` that ``scope`` may see."""
    return _used(_area_names(database().key, version, shared(scope)))  # type: ignore[no-any-return]


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _summaries_as_of(db_key: str) -> Stamped:
    return _query(summaries.summaries_as_of)


def summaries_as_of() -> datetime | None:
    """When the summary tables behind the figures were refreshed (UTC); None: computed live."""
    return _used(_summaries_as_of(database().key))  # type: ignore[no-any-return]
