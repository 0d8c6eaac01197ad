"""The overview's figures of the period in one transaction: the headline, what needs attention,
and the comparison through the unit tree.

The three read the same measure groups for the same filters and scope; ``queries.measures``
keeps each group for the rest of a transaction, so run together they count each group once.
(For a whole unit version the headline's totals come from ``summary_version_month`` instead,
and attention and the comparison table share the per-unit measures.) The page caches this one
result per filters and scope.

A part that meets a value it cannot use (an amount too large to sum, a date that does not
exist) is left as None rather than failing the other two: the page then asks for that part on
its own, inside its own section, which shows the notice there (``ui.guard``) and keeps the rest
of the page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd
from sqlalchemy.engine import Connection

from .areas import area_scorecard
from .attention import Attention, attention
from .errors import is_bad_value
from .filters import Filters, Scope
from .indicators import headline

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OverviewFigures:
    """``indicators.headline``, ``attention.attention`` and ``areas.area_scorecard``; None for
    a part that failed on a value (the page asks for it alone)."""

    headline: pd.DataFrame | None
    attention: Attention | None
    scorecard: pd.DataFrame | None


def overview_figures(conn: Connection, filters: Filters, scope: Scope) -> OverviewFigures:
    """The overview's three tables for the selection, read in one transaction."""
    return OverviewFigures(
        _part(conn, headline, filters, scope),
        _part(conn, attention, filters, scope),
        _part(conn, area_scorecard, filters, scope),
    )


def _part(
    conn: Connection, query: Callable[[Connection, Filters, Scope], T], f: Filters, sc: Scope
) -> T | None:
    """``query``'s result, or None when a value in the data stops it (``errors.is_bad_value``;
    the transaction is then rolled back, so the next part starts clean). Anything else — a lost
    connection, a timeout, a programming error — is raised as it is."""
    try:
        return query(conn, f, sc)
    except Exception as error:
        if not is_bad_value(error):
            raise
        log.info("overview: %s left to its own section: %s", query.__name__, error)
    conn.rollback()
    return None
