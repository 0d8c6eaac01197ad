"""The data checks' candidates: what each costly check lists for the widest selection, kept in
``summary_check_record`` (and the duplicate groups in ``summary_duplicate_person``) by the
summaries' full refresh.

A check scanning a large table (every payment, every person) for a few hundred offending rows
costs seconds at a province's scale. Whatever such a check lists for a period and a scope is a
subset of what it lists for every month and every unit on the same data and as-of date (each
rule is per record, per month, or a group that only grows as the selection widens), so the
refresh runs it once that way and keeps the ids; the page's query then reads only those records
(``context.candidate``) and returns exactly the rows of the full scan. While the candidates are
not usable (the summaries are stale, an import has changed the data since the refresh, the
as-of date has moved), every check reads the base tables.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import schema as s
from ..definitions import first_month, rate_check
from ..filters import Period
from ..summaries.tables import RATE_CHECK, summary_check_record, summary_duplicate_person
from .context import Context
from .people import duplicate_groups
from .registry import CHECKS

WIDEST = Period(date(1, 1, 1), date(9999, 12, 1))  # every month any selection can hold


def widest_context(conn: Connection, as_of: date | None) -> Context:
    """Every month and every unit, as the data's as-of date ``as_of`` sees them, candidates
    off."""
    return Context(
        period=WIDEST,
        ref=as_of or WIDEST.start,  # no as-of date: ``fill`` writes nothing
        as_of=as_of,
        first=first_month(conn),
        units=None,
        persons=True,
        decisions=s.table_readable(conn, s.allowance_decision.name),
        candidates=False,
    )


def fill(conn: Connection, as_of: date | None) -> bool:
    """Empty ``summary_check_record`` and ``summary_duplicate_person`` and write every check's
    candidates and the duplicate groups (in the caller's transaction) for the data's as-of date
    ``as_of``, the one the refresh records. False, with none written, when the data have no
    as-of date (no payment month): the checks then always read the base tables."""
    conn.execute(summary_check_record.delete())
    conn.execute(summary_duplicate_person.delete())
    ctx, target = widest_context(conn, as_of), summary_check_record
    if ctx.as_of is None:
        return False
    for check in CHECKS:
        if check.candidates is None:
            continue
        column, record = check.candidates
        listed = check.query(ctx).subquery("listed")
        table = sa.literal(record, sa.String) if record else listed.c.record
        rows = sa.select(sa.literal(check.code, sa.String), table, listed.c[column]).distinct()
        conn.execute(target.insert().from_select(["check_code", "record", "record_id"], rows))
    groups = duplicate_groups().subquery("groups")
    kept = summary_duplicate_person
    conn.execute(kept.insert().from_select([c.name for c in kept.c], sa.select(*groups.c)))
    off_rate = rate_check()[0].subquery("off_rate")
    rows = sa.select(
        sa.literal(RATE_CHECK, sa.String),
        sa.literal(s.allowance_payment.name, sa.String),
        off_rate.c.id,
    )
    conn.execute(target.insert().from_select(["check_code", "record", "record_id"], rows))
    return True
