"""Figures the browser tests expect, counted straight from the demo database's rows (not through
data_access), so a test's exact number is tied to the data it runs on."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlalchemy as sa

from data_access.db import make_engine, sqlite_file_url

# F14 in the 2025 units: the people on the monthly-allowance list in ``month`` (started by then,
# not ended before it), by new commune. A record made before 1/7/2025 points at a 2023 unit:
# it counts for that unit's successor (admin_unit_succession of 1/7/2025).
_ON_THE_LIST_2025 = sa.text(
    """
    WITH unit_2025 (unit_id, code) AS (
        SELECT id, code FROM admin_unit WHERE valid_from = :merger
        UNION
        SELECT s.old_unit_id, n.code
        FROM admin_unit_succession AS s JOIN admin_unit AS n ON n.id = s.new_unit_id
        WHERE s.effective = :merger
    )
    SELECT u.code, COUNT(DISTINCT b.person_id)
    FROM allowance_beneficiary AS b JOIN unit_2025 AS u ON u.unit_id = b.admin_unit_id
    WHERE b.start_month <= :month AND (b.end_month IS NULL OR b.end_month >= :month)
    GROUP BY u.code
    """
)
MERGER = date(2025, 7, 1)


def on_the_list_2025(path: Path, month: date) -> dict[str, int]:
    """{new commune code: beneficiaries on the list in ``month``} of the demo file at ``path``."""
    engine = make_engine(sqlite_file_url(path, read_only=True))
    try:
        with engine.connect() as conn:
            rows = conn.execute(_ON_THE_LIST_2025, {"merger": MERGER, "month": month}).all()
    finally:
        engine.dispose()
    return {str(code): int(count) for code, count in rows}


def vi_count(number: int, unit: str) -> str:
    """A count as a tile shows it: "1.937 đối tượng"."""
    return f"{number:,} {unit}".replace(",", ".")
