"""One data-quality check as a registry entry: its code, its words (title, rule and expected
action, in Vietnamese and English), the query that finds the offending records, and how it reads
the period — declared together with ``@check(...)`` over the query builder.

Personal data (Decree 13/2023): names, birth dates, national ids and record ids leave a check
only for scopes with ``persons=True``, national ids masked; other scopes get the count and the
non-personal columns (commune, village, month, amount, date).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from i18n import Catalog

from ..filters import Filters, Scope
from ..persons import mask
from .context import Context, Statement, context

MASKED = {"national_id", "bank_account"}  # shown as their last four digits
LIST_LIMIT = 1000  # a commune's list is a few dozen rows; past 1.000 the count says it is systemic

# How a check reads the Filters' period: the months of the period (payments, grants approved),
# the reference date (the period's last day or the data's as-of date, whichever is earlier, as
# for the point-in-time indicators), or not at all (duplicates, unknown units, future dates are
# wrong whatever the period).
PeriodUse = Literal["months", "reference_date", "none"]
Text = tuple[str, str]  # (Vietnamese, English)
Query = Callable[[Context], Statement]
# Which records a check's candidates are (``quality.candidates``): the id column of its list,
# and the table the ids belong to (None: the list's own ``record`` column names it).
Candidates = tuple[str, str | None]


@dataclass(frozen=True, eq=False)
class Check:
    """One data-quality check: what it looks for, in plain words, and the query that finds it."""

    code: str
    query: Query
    order: tuple[str, ...]  # list order; the last column makes it total
    personal: frozenset[str]  # columns only persons scopes receive
    period_use: PeriodUse
    text: Catalog  # "title", "rule" and "action", each in Vietnamese and English
    candidates: Candidates | None = None  # None: the check always reads the base tables

    def title(self, lang: str = "vi") -> str:
        """The check's short name in the user's language."""
        return self.text("title", lang)

    def rule(self, lang: str = "vi") -> str:
        """The rule the check applies, in plain words."""
        return self.text("rule", lang)

    def action(self, lang: str = "vi") -> str:
        """What a commune is expected to do about a record the check finds."""
        return self.text("action", lang)

    def rows(
        self, conn: Connection, filters: Filters, scope: Scope, limit: int = LIST_LIMIT
    ) -> pd.DataFrame:
        """Up to ``limit`` offending records of the selection, in the check's order."""
        frame, _ = self.listed(conn, context(conn, filters, scope), limit)
        return frame

    def count(self, conn: Connection, filters: Filters, scope: Scope) -> int:
        """How many records the check finds for the selection (any scope may ask)."""
        return self.counted(conn, context(conn, filters, scope))

    def counted(self, conn: Connection, ctx: Context) -> int:
        """How many records the check finds in a resolved context."""
        stmt = sa.select(sa.func.count()).select_from(self.query(ctx).subquery("problems"))
        return int(conn.execute(stmt).scalar_one())

    def listed(self, conn: Connection, ctx: Context, limit: int) -> tuple[pd.DataFrame, int]:
        """Up to ``limit`` offending records (personal columns only for ``persons`` scopes), and
        how many there are in all — one query, the total from a window count."""
        sub = self.query(ctx).subquery("problems")
        names = [c.name for c in sub.c if ctx.persons or c.name not in self.personal]
        stmt = (
            sa.select(*(sub.c[n] for n in names), sa.func.count().over().label("_total"))
            .order_by(*(sub.c[n] for n in self.order))
            .limit(max(1, limit))
        )
        rows = conn.execute(stmt).all()
        frame = pd.DataFrame([tuple(r)[:-1] for r in rows], columns=names)
        for column in MASKED & set(frame.columns):
            frame[column] = [mask(v) for v in frame[column]]
        return frame, int(rows[0][-1]) if rows else 0


def check(
    code: str,
    *,
    title: Text,
    rule: Text,
    action: Text,
    order: tuple[str, ...],
    personal: Iterable[str],
    period_use: PeriodUse,
    candidates: Candidates | None = None,
) -> Callable[[Query], Check]:
    """Declare a check over its query builder: the decorated function becomes the entry.

    A check with ``candidates`` must narrow its scans with ``context.candidate`` under its own
    code, and list for any selection a subset of what it lists for the widest one.
    """

    def entry(query: Query) -> Check:
        text = Catalog(
            f"data_access.quality.{code}", {"title": title, "rule": rule, "action": action}
        )
        return Check(code, query, order, frozenset(personal), period_use, text, candidates)

    return entry
