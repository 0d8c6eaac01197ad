"""Values kept for the process while the table they were read from is unchanged.

The unit tree and the indicators' targets change when an area or a plan is loaded, not between
two pages, yet at national scale a province's page read them anew on every view (6.300 communes
named and placed, 5.600 targets a year). On the dashboard's read-only connection such a value is
kept per engine, table and key while the table shows the mark it was read under: its rows,
largest id and change count (``change_event``, which every insert, update and delete moves),
with the time of the last summary refresh (which empties ``change_event``: without it, a table
changed in place and then refreshed would show its old mark again), read once per transaction.

Nothing is kept on a writer's connection (its own uncommitted change could be rolled back and
the mark reached again by another), nor where the database records no changes or holds no
refreshed summaries (dropped summaries take the last refresh's time with them): there the value
is read afresh, as before. Like the summaries' freshness, the mark relies on the schema's
triggers: a change made with them dropped (or SQLite's ``INSERT OR REPLACE``, whose implied
delete fires none) is not seen until the table's size or a refresh moves the mark; and a refresh
given an earlier time than the last one (``now=``, tests only; or a clock set back) could bring
an old mark back.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from . import schema as s
from .txcache import READ_ONLY_OPTION, per_transaction

T = TypeVar("T")

_KEPT: weakref.WeakKeyDictionary[Engine, dict[tuple[str, Hashable], tuple[Any, Any]]] = (
    weakref.WeakKeyDictionary()
)
_LOCK = threading.Lock()
# When the summaries were last refreshed (``summaries.tables.summary_info``, named here: the
# summaries' modules import this one).
_REFRESHED = sa.table("summary_info", sa.column("refreshed_at"))


def table_mark(conn: Connection, table: sa.Table) -> tuple[Any, ...] | None:
    """``table``'s rows, largest id and change count now (None: nothing may be kept)."""
    if not conn.get_execution_options().get(READ_ONLY_OPTION):
        return None

    def read() -> tuple[Any, ...] | None:
        if not per_transaction(
            conn, "welfare.changes_readable", lambda: s.table_readable(conn, "change_event")
        ):
            return None
        # Without a refresh's time (no summaries, or dropped since) nothing is kept: the change
        # record may have been emptied by a refresh whose time is gone with its table.
        if not per_transaction(
            conn, "welfare.refresh_readable", lambda: s.table_readable(conn, _REFRESHED.name)
        ):
            return None
        ev = s.change_event
        changes = sa.select(sa.func.count()).where(ev.c.table_name == table.name).scalar_subquery()
        refreshed = sa.select(sa.func.max(_REFRESHED.c.refreshed_at)).scalar_subquery()
        stmt = sa.select(sa.func.count(), sa.func.max(table.c.id), changes, refreshed)
        mark = tuple(conn.execute(stmt).one())
        return None if mark[-1] is None else mark

    return per_transaction(conn, f"welfare.mark.{table.name}", read)


def kept(conn: Connection, table: sa.Table, key: Hashable, read: Callable[[], T]) -> T:
    """``read()``, or the value read under ``table``'s present mark for the same ``key`` (never
    to be changed by callers: they copy what they would change)."""
    mark = table_mark(conn, table)
    if mark is None:
        return read()
    with _LOCK:
        found = _KEPT.get(conn.engine, {}).get((table.name, key))
    if found is not None and found[0] == mark:
        return found[1]  # type: ignore[no-any-return]
    value = read()
    with _LOCK:
        _KEPT.setdefault(conn.engine, {})[(table.name, key)] = (mark, value)
    return value
