"""Reconciliation: the figures communes reported upward beside what the database computes.

Each ``reported_figure`` of the selection is set beside the value the indicator registry
computes for the same commune, indicator and period; a difference of more than
``MATCH_TOLERANCE`` is a mismatch to explain (a typo in the report, or records missing here).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import schema as s
from ..filters import VERSION_2023, Filters, Period, Scope
from ..indicators import BY_CODE, indicator_values
from ..units import unit_catalogue
from .context import context, in_scope

MATCH_TOLERANCE = 0.5  # reported values are whole people, visits or đồng: off by one is a mismatch

RECONCILIATION_COLUMNS = [
    "indicator",
    "unit_code",
    "commune",
    "period_start",
    "period_end",
    "reported",
    "computed",
    "difference",
    "mismatch",
    "reported_on",
]


def reconciliation(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """The figures communes reported upward beside what the database computes for them.

    Takes the ``reported_figure`` rows of the communes in Filters ∩ Scope whose period lies
    within the filters' period; computes each indicator for that commune and period with
    ``indicators.indicator_values`` (2023 units: reports are made by the units of the day).
    Columns: indicator, unit_code, commune, period_start, period_end, reported, computed
    (NaN when the unit or indicator is unknown), difference (reported − computed), mismatch,
    reported_on.
    """
    ctx = context(conn, filters, scope)
    rf, u = s.reported_figure, s.admin_unit.alias("u")
    stmt = (
        sa.select(
            rf.c.indicator,
            rf.c.admin_unit_id,
            u.c.code,
            u.c.name,
            rf.c.period_start,
            rf.c.period_end,
            rf.c.value,
            rf.c.reported_on,
        )
        .select_from(rf)
        .join(u, u.c.id == rf.c.admin_unit_id, isouter=True)
        .where(
            rf.c.period_start >= filters.period.start,
            rf.c.period_end <= filters.period.end_date,
            in_scope(rf.c.admin_unit_id, ctx),
        )
        .order_by(rf.c.period_start, u.c.code, rf.c.indicator, rf.c.id)
    )
    reported = pd.DataFrame(
        [tuple(r) for r in conn.execute(stmt)],
        columns=[
            "indicator",
            "unit_id",
            "unit_code",
            "commune",
            "period_start",
            "period_end",
            "reported",
            "reported_on",
        ],
    )
    if reported.empty:
        return pd.DataFrame(columns=RECONCILIATION_COLUMNS)
    known_units = set(unit_catalogue(conn, VERSION_2023)["unit_id"])
    computed: dict[tuple[str, int, date, date], float] = {}
    for (start, end), part in reported.groupby(["period_start", "period_end"], sort=True):
        units = part[part["unit_id"].isin(known_units)]
        codes = tuple(sorted(set(units["unit_code"])))
        indicators = sorted(set(units["indicator"]) & set(BY_CODE))
        if not codes or not indicators:
            continue
        period = Period(start, end)
        _, by_unit = indicator_values(conn, Filters(period, codes, VERSION_2023), scope, indicators)
        for row in by_unit.itertuples(index=False):
            if row.value is not None and not pd.isna(row.value):
                computed[(row.code, int(row.unit_id), start, end)] = float(row.value)
    reported["computed"] = [
        computed.get((code, int(unit), a, b), float("nan"))
        for code, unit, a, b in reported[
            ["indicator", "unit_id", "period_start", "period_end"]
        ].itertuples(index=False)
    ]
    reported["reported"] = reported["reported"].astype(float)
    reported["difference"] = reported["reported"] - reported["computed"]
    reported["mismatch"] = reported["computed"].isna() | (
        reported["difference"].abs() > MATCH_TOLERANCE
    )
    return reported[RECONCILIATION_COLUMNS].reset_index(drop=True)
