"""What the month-by-month lists share (job events, elderly health checks): a list is a
commune's records of one month, and loading it makes that month's records exactly the list's.

A checked row becomes a ``Record``: its natural key (what tells two records apart: the person,
the day and the kind of a health check; the day, the kind and the partner of a job event) and
the values stored. ``changes`` compares them with the records the batch holds (the unit, dates
within the month): new keys added, stored keys with other values changed, keys no longer
listed removed. ``write`` applies that, and ``update_summaries`` recomputes the unit's summary
rows in the same transaction (``summaries.incremental.after_units``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access.filters import month_end
from data_access.summaries.freshness import SummaryStatus
from data_access.summaries.incremental import Update, after_units

from .payments import Batch, Plan, _chunks, no_rows
from .problems import Problem, error, warning
from .read import Column, RawRow

Key = tuple[Hashable, ...]


@dataclass(frozen=True)
class Record:
    """A list row that passed its checks: its key and the values a record stores."""

    row: int
    key: Key
    values: dict[str, Any]


def parse_row(
    row: RawRow,
    columns: tuple[Column, ...],
    heading: dict[str, str],
    value: Callable[[str, object], object],
    problems: list[Problem],
) -> dict[str, object] | None:
    """The row's values parsed by ``value``; None (its problems recorded) when any is bad."""
    values: dict[str, object] = {}
    ok = True
    for column in columns:
        raw = row.values.get(column.key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if column.required:
                problems.append(
                    error(
                        row.number,
                        heading[column.key],
                        raw,
                        f"Thiếu «{heading[column.key]}».",
                        f"«{heading[column.key]}» is missing.",
                    )
                )
                ok = False
            continue
        try:
            values[column.key] = value(column.key, raw)
        except ValueError as exc:
            english = str(getattr(exc, "en", exc))
            problems.append(error(row.number, heading[column.key], raw, str(exc), english))
            ok = False
    return values if ok else None


def in_month(day: date, batch: Batch) -> bool:
    return batch.month <= day <= month_end(batch.month)


def start(result: Plan[Record], rows: int) -> bool:
    """False (and the problem recorded) for a list without rows: it would empty the month."""
    if rows:
        return True
    result.problems.append(no_rows())
    return False


def changes(
    conn: Connection,
    table: sa.Table,
    day: str,
    batch: Batch,
    stored_key: Callable[[sa.Row[Any]], Key],
    records: list[Record],
    result: Plan[Record],
    period: tuple[date, date] | None = None,
) -> None:
    """Compare the list's records with the records of the batch's unit dated in its month
    (or in ``period``, first and last day)."""
    first, last = period or (batch.month, month_end(batch.month))
    stored = conn.execute(
        sa.select(table)
        .where(table.c.admin_unit_id == batch.unit_id, table.c[day].between(first, last))
        .order_by(table.c.id)
    ).all()
    held: dict[Key, sa.Row[Any]] = {}
    for row in stored:
        key = stored_key(row)
        if key in held:
            result.removed.append(int(row.id))  # a second record of one key: the list has one
        else:
            held[key] = row
    for record in records:
        found = held.pop(record.key, None)
        if found is None:
            result.added.append(record)
        elif all(_same(getattr(found, k), v) for k, v in record.values.items()):
            result.unchanged += 1
        else:
            result.changed.append((int(found.id), record))
    result.removed.extend(int(row.id) for row in held.values())
    removal_warning(result)


def removal_warning(result: Plan[Any]) -> None:
    """Records the load would remove: said before anything is written (a list of one record
    where the month holds several, a sheet left out)."""
    if result.removed:
        n = len(result.removed)
        result.problems.append(
            warning(
                0,
                "",
                n,
                f"Nạp danh sách này sẽ xóa {n} bản ghi đang có của kỳ này nhưng không có trong "
                "danh sách: kiểm tra tệp có đủ các dòng, các trang không.",
                f"Loading this list removes {n} records of the period that it does not hold: "
                "check that the file has every row and sheet.",
            )
        )


def _same(stored: object, listed: object) -> bool:
    if isinstance(listed, date) and not isinstance(stored, date):
        return str(stored)[:10] == listed.isoformat()
    return stored == listed


def write(conn: Connection, table: sa.Table, plan: Plan[Record]) -> list[int]:
    """Make the month's records the list's; returns the unit touched."""
    assert plan.batch is not None
    for chunk in _chunks(list(plan.removed)):
        conn.execute(sa.delete(table).where(table.c.id.in_(chunk)))
    for rid, record in plan.changed:
        conn.execute(sa.update(table).where(table.c.id == rid).values(**record.values))
    if plan.added:
        conn.execute(
            sa.insert(table),
            [{"admin_unit_id": plan.batch.unit_id, **r.values} for r in plan.added],
        )
    return [plan.batch.unit_id]


def update_summaries(
    conn: Connection,
    plan: Plan[Record],
    touched: list[int],
    before: SummaryStatus,
    now: datetime | None,
) -> Update | None:
    """The unit's summary rows recomputed in the load's transaction (None: rebuild)."""
    del plan
    return after_units(conn, touched, before, now)
