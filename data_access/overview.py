"""The overview's figures of the period in one transaction: the headline, what needs attention,
and the comparison through the unit tree.

The three read the same measure groups for the same filters and scope; ``queries.measures``
keeps each group for the rest of a transaction, so run together they count each group once
(at national scale the page's cold load fell by the two repeated reads). The page caches this
one result per filters and scope, as it did the three.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy.engine import Connection

from .areas import area_scorecard
from .attention import Attention, attention
from .filters import Filters, Scope
from .indicators import headline


@dataclass(frozen=True)
class OverviewFigures:
    """``indicators.headline``, ``attention.attention`` and ``areas.area_scorecard``."""

    headline: pd.DataFrame
    attention: Attention
    scorecard: pd.DataFrame


def overview_figures(conn: Connection, filters: Filters, scope: Scope) -> OverviewFigures:
    """The overview's three tables for the selection, read in one transaction."""
    return OverviewFigures(
        headline(conn, filters, scope),
        attention(conn, filters, scope),
        area_scorecard(conn, filters, scope),
    )
