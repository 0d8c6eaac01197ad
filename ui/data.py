"""The UI's door to the data layer: one cached engine, and query results cached per Filters+Scope.

Pages call ``run(fn, filters, scope, *args)``; ``fn`` is any data_access function of the form
``fn(conn, filters, scope, *args)``. Results are cached with a TTL, keyed by the function, the
database, the filters, the scope and the extra arguments — so two users with different scopes
never share an entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

import streamlit as st
from sqlalchemy.engine import Engine

from data_access import db, queries, summaries
from data_access.demo import demo_engine
from data_access.filters import Filters, Scope
from data_access.queries import data_as_of
from data_access.units import scoped_catalogue, unit_catalogue

from .i18n import t

CACHE_TTL_S = 600  # figures change with monthly payment runs; 10 minutes keeps meetings fresh
ResultT = TypeVar("ResultT")


@dataclass(frozen=True)
class Database:
    """The open welfare database: engine, whether it is the demo, and a key for caching."""

    engine: Engine
    is_demo: bool
    key: str


@st.cache_resource(show_spinner=False)
def _open(url: str | None) -> Database:
    engine = demo_engine() if url is None else db.make_engine(url)
    with engine.connect() as conn:
        demo = queries.is_demo_database(conn)
    return Database(engine, demo, f"demo:{db.DEMO_PATH}" if url is None else db.shown(url))


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
def _cached(name: str, db_key: str, filters: Filters, scope: Scope, args: tuple[Any, ...]) -> Any:
    fn = _REGISTRY[name]
    with database().engine.connect() as conn:
        return fn(conn, filters, scope, *args)


_REGISTRY: dict[str, Callable[..., Any]] = {}


def run(fn: Callable[..., ResultT], filters: Filters, scope: Scope, *args: Any) -> ResultT:
    """``fn(conn, filters, scope, *args)`` through the cache."""
    name = f"{fn.__module__}.{fn.__qualname__}"
    _REGISTRY[name] = fn
    return _cached(name, database().key, filters, scope, args)  # type: ignore[no-any-return]


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _catalogue(db_key: str, version: str) -> Any:
    with database().engine.connect() as conn:
        return unit_catalogue(conn, version)


def catalogue(version: str) -> Any:
    """The communes of a unit version (code, name, …)."""
    return _catalogue(database().key, version)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _as_of(db_key: str) -> date | None:
    with database().engine.connect() as conn:
        return data_as_of(conn)


def as_of() -> date | None:
    """The last day the data covers."""
    return _as_of(database().key)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _first_month(db_key: str) -> date | None:
    with database().engine.connect() as conn:
        return queries.first_month(conn)


def first_month() -> date | None:
    """The first month with data."""
    return _first_month(database().key)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _scoped_names(db_key: str, version: str, scope: Scope) -> dict[str, str]:
    with database().engine.connect() as conn:
        frame = scoped_catalogue(conn, version, scope)
    return dict(zip(frame["code"], frame["name"], strict=True))


def scoped_names(version: str, scope: Scope) -> dict[str, str]:
    """{code: name} of the communes of ``version`` that ``scope`` may see."""
    return _scoped_names(database().key, version, scope)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _summaries_as_of(db_key: str) -> datetime | None:
    with database().engine.connect() as conn:
        return summaries.summaries_as_of(conn)


def summaries_as_of() -> datetime | None:
    """When the summary tables behind the figures were refreshed (UTC); None: computed live."""
    return _summaries_as_of(database().key)
