"""Values kept for the rest of one database transaction.

A page's query resolves the filters, names the units and checks the summaries' freshness, often
more than once through helpers. ``per_transaction`` reads such a value once per transaction of
the connection: a commit or rollback starts a new transaction, and with it a fresh read, so a
long-lived connection never sees a value older than its own snapshot.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.engine import Connection

T = TypeVar("T")


def per_transaction(conn: Connection, key: str, compute: Callable[[], T]) -> T:
    """``compute()``, read once per transaction of ``conn`` and kept under ``key``."""
    entry = conn.info.get(key)
    current = conn.get_transaction()
    if entry is not None and current is not None and entry[0] is current:
        return entry[1]  # type: ignore[no-any-return]
    value = compute()
    conn.info[key] = (conn.get_transaction(), value)  # compute() has begun one if none was
    return value


READ_ONLY_OPTION = "welfare_read_only"  # set by ``db.make_engine`` on the dashboard's engine


def per_read_only_transaction(conn: Connection, key: str, compute: Callable[[], T]) -> T:
    """``per_transaction`` on a read-only connection (the dashboard's); ``compute()`` afresh on
    any other, whose own writes earlier in the transaction may have changed the answer (the
    import sets the load date and adds payments, then asks for the data's dates)."""
    if conn.get_execution_options().get(READ_ONLY_OPTION):
        return per_transaction(conn, key, compute)
    return compute()
