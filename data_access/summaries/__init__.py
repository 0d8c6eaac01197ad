"""Summary tables, like DHIS2's analytics tables: the additive measures per base unit and month.

``refresh(engine)`` rebuilds them from the record-level tables with INSERT … SELECT … GROUP BY
(``python -m data_access.refresh_summaries``, run by an operator or cron: the dashboard only
reads). ``queries.measures`` reads them for the measure groups they cover while they are fresh
and falls back to the base tables when they are absent or stale; both paths return the same frame.

A row of ``summary_unit_month`` holds, for one record-level unit (the ``admin_unit.id`` the rows
point at; unit versions are rolled up at query time by ``units.scoped``) and one month:

- flows, by the month of their date: elderly health visits, housing grants approved, job events,
  classes started with their learners, allowance paid (by the month paid for), and payments
  that differ from rate × coefficient;
- stocks on the month's last day, for the months of ``summary_month``: the elderly alive, those
  holding a card paid by the state / state-supported / any card, allowance beneficiaries on the
  list (and paid by bank), communes with a child-protection board, villages with a collaborator.
  ``definitions.reference_date`` is always a month's last day, so a month-end stock answers it
  exactly; a reference month outside ``summary_month`` is read from the base tables.

``summary_unit_year`` holds the flows per calendar year, for periods of whole years. The
payouts page reads ``summary_payment`` / ``summary_payment_group`` / ``summary_payment_group_year``
(paid payments per unit, month or year, group, and the beneficiary's previous paid month, so
that beneficiaries paid in a period are counted once each).

Freshness: see ``summaries.freshness``. The children group (cases open at any time in the
period, not a month-end stock) is always read from the base tables.

The package, bottom up: ``tables`` (declarations), ``freshness`` (may they be read?), ``read``
(what the page queries use), ``stocks`` and ``fill`` (the refresh's statements), ``rebuild``
(``refresh``, in one transaction). Page queries import the module they need; the names below
serve callers outside the data layer (the dashboard's as-of line, the benchmark, the demo
builder, the tests).
"""

from __future__ import annotations

from .freshness import SummaryStatus, summaries_as_of, summary_status
from .read import full_years
from .rebuild import RefreshResult, SummaryRefreshError, drop_summaries, refresh
from .tables import (
    COLUMNS,
    summary_info,
    summary_metadata,
    summary_payment,
    summary_unit_month,
    summary_unit_year,
)

__all__ = [
    "COLUMNS",
    "RefreshResult",
    "SummaryRefreshError",
    "SummaryStatus",
    "drop_summaries",
    "full_years",
    "refresh",
    "summaries_as_of",
    "summary_info",
    "summary_metadata",
    "summary_payment",
    "summary_status",
    "summary_unit_month",
    "summary_unit_year",
]
