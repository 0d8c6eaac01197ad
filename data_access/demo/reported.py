"""What each commune reports upward every quarter (issue 7): the figures its rows give, a few off.

The values are computed from the district's finished rows the way ``data_access.queries``
counts them (by ``data_access.definitions``), so reconciliation finds nothing but the seeded
``REPORT_MISMATCHES``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from .. import schema as s
from ..definitions import ELDERLY_CHECK_KINDS, PAID
from ..filters import month_end
from .facts import REPORT_MISMATCHES, REPORTED
from .rows import District, Rows, Seeded

Quarter = tuple[int, int]  # (year, quarter)
QUARTERS: list[Quarter] = [
    (y, q) for y in (2022, 2023) for q in (1, 2, 3, 4) if (y, q) <= (2023, 3)
]  # Quý I/2022 – Quý III/2023


def quarter_of(day: date) -> Quarter:
    """The quarter a day falls in."""
    return day.year, (day.month - 1) // 3 + 1


def computed_values(tables: dict[str, list[dict[str, Any]]]) -> dict[tuple[str, int, Quarter], int]:
    """(indicator, unit id, quarter) -> F2 visits, F14 beneficiaries at quarter end, F15 paid."""
    values: dict[tuple[str, int, Quarter], int] = {}
    for r in tables["health_check"]:
        if r["kind"] in ELDERLY_CHECK_KINDS:
            key = ("F2", r["admin_unit_id"], quarter_of(r["check_date"]))
            values[key] = values.get(key, 0) + 1
    for r in tables["allowance_payment"]:
        if r["status"] == PAID:
            key = ("F15", r["admin_unit_id"], quarter_of(r["month"]))
            values[key] = values.get(key, 0) + int(r["amount_vnd"])
    for y, q in QUARTERS:
        last_month = date(y, 3 * q, 1)
        for r in tables["allowance_beneficiary"]:
            end = r["end_month"]
            if r["start_month"] <= last_month and (end is None or end >= last_month):
                key = ("F14", r["admin_unit_id"], (y, q))
                values[key] = values.get(key, 0) + 1
    return values


def build_reported_figures(rows: Rows, d: District, seeded: Seeded | None) -> None:
    """Each commune's quarterly reports of REPORTED, Quý I/2022 – Quý III/2023.

    With ``seeded`` (problems are planted), the REPORT_MISMATCHES are off and recorded there.
    """
    values = computed_values(rows.tables)
    shifts = {(ind, d.unit_ids[c], quarter): delta for ind, c, quarter, delta in REPORT_MISMATCHES}
    for c, unit_id in d.unit_ids.items():
        for y, q in QUARTERS:
            start = date(y, 3 * q - 2, 1)
            end = month_end(date(y, 3 * q, 1))
            for indicator in REPORTED:
                value = values.get((indicator, unit_id, (y, q)), 0)
                shift = shifts.get((indicator, unit_id, (y, q)), 0) if seeded is not None else 0
                if shift and seeded is not None:
                    report = (indicator, d.code(c), start)
                    seeded.setdefault("reconciliation", []).append((report, (d.code(c),)))
                rows.add(
                    s.reported_figure,
                    indicator=indicator,
                    admin_unit_id=unit_id,
                    period_start=start,
                    period_end=end,
                    value=float(value + shift),
                    reported_on=end + timedelta(days=10),
                )
