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
  A reference day that is not a month's last day (data loaded up to the 15th), or a reference
  month outside ``summary_month``, is read from the base tables.

``summary_unit_year`` holds the flows per calendar year, for periods of whole years (and most of
one year: the year less the months outside); ``summary_version_month`` every measure summed per
month over each unit version's unit map, for the trend quarters of a whole version. The
payouts page reads ``summary_payment`` / ``summary_payment_group`` / ``summary_payment_group_year``
(paid payments per unit, month or year, group, and the beneficiary's previous paid month, so
that beneficiaries paid in a period are counted once each).

Child cases open during a period are the cases opened by its reference day less those closed
before it began: per unit and month, cases opened by the month's end and closed before its start
(``tables.CASES``), read only while the refresh found every case closing after it opens and
supported by its closing (``summary_info.case_detail``).

Freshness: see ``summaries.freshness``.

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
    summary_version_month,
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
    "summary_version_month",
]
