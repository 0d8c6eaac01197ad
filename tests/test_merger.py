"""Records across the 1/7/2025 merger (issue 14): what each unit version shows for periods before,
across and after it, computed independently from the rows, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from data_access.filters import (
    VERSION_2023,
    VERSION_2025,
    Filters,
    Period,
    Scope,
    version_in_force,
    within_version,
)
from data_access.payouts import by_commune
from data_access.quality.registry import count_problems
from data_access.queries import data_as_of, measures

MERGER = date(2025, 7, 1)
OLD_CODES = {"06895", "06898", "06901", "06904", "06910", "06913", "06916", "06917", "06919"}
# What each new commune took over (DOMAIN.md §2).
SUCCESSORS = {
    "06895": {"06895", "06904", "06919", "06917", "06916"},
    "06913": {"06901", "06910", "06898", "06913"},
}

# Each payment's unit in the 2025 version, written from the tables (not data_access.units).
PAYMENTS_2025_UNITS = """
SELECT n.code AS code, p.month AS month, p.amount_vnd AS amount, u.valid_to AS old_until
FROM allowance_payment p
JOIN admin_unit u ON u.id = p.admin_unit_id
LEFT JOIN admin_unit_succession su ON su.old_unit_id = u.id AND su.effective = :merger
JOIN admin_unit n ON n.id = COALESCE(su.new_unit_id, u.id)
WHERE p.status = 'paid' AND p.month BETWEEN :first AND :last
  AND n.valid_from <= :merger AND (n.valid_to IS NULL OR n.valid_to >= :merger)
"""


def paid_2025_units(conn: Connection, first: date, last: date) -> dict[str, int]:
    rows = conn.execute(
        sa.text(f"SELECT code, SUM(amount) FROM ({PAYMENTS_2025_UNITS}) x GROUP BY code"),
        {"merger": MERGER, "first": first, "last": last},
    ).all()
    return {code: int(total) for code, total in rows}


def paid_old_units(conn: Connection, first: date, last: date) -> dict[str, int]:
    rows = conn.execute(
        sa.text(
            "SELECT u.code, SUM(p.amount_vnd) FROM allowance_payment p "
            "JOIN admin_unit u ON u.id = p.admin_unit_id "
            "WHERE p.status = 'paid' AND p.month BETWEEN :first AND :last "
            "AND u.valid_to = :old_end GROUP BY u.code"
        ),
        {"first": first, "last": last, "old_end": date(2025, 6, 30)},
    ).all()
    return {code: int(total) for code, total in rows}


def test_the_data_runs_to_30_november_2026_in_the_new_communes(engine: Engine) -> None:
    with engine.connect() as conn:
        assert data_as_of(conn) == date(2026, 11, 30)
    assert version_in_force(date(2026, 11, 30)) == VERSION_2025
    assert version_in_force(date(2025, 6, 30)) == VERSION_2023


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("allowance_payment", "month"),
        ("health_check", "check_date"),
        ("housing_grant", "approved_on"),
        ("vocational_class", "start_date"),
        ("job_event", "event_date"),
        ("child_case", "opened_on"),
    ],
)
def test_records_point_at_the_units_in_force_when_they_were_made(
    engine: Engine, table: str, column: str
) -> None:
    """Before 1/7/2025 the nine old units, from it the two new communes; each side has rows."""
    sql = (
        f"SELECT SUM(CASE WHEN r.{column} < :merger THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN r.{column} >= :merger THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN r.{column} < :merger AND u.valid_from >= :merger THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN r.{column} >= :merger AND u.valid_from < :merger THEN 1 ELSE 0 END) "
        f"FROM {table} r JOIN admin_unit u ON u.id = r.admin_unit_id "
        f"WHERE r.{column} BETWEEN :first AND :last"
    )
    with engine.connect() as conn:
        before, after, new_before, old_after = conn.execute(
            sa.text(sql), {"merger": MERGER, "first": date(2024, 1, 1), "last": date(2026, 11, 30)}
        ).one()
    assert before > 0 and after > 0
    assert (new_before, old_after) == (0, 0)


def test_beneficiaries_are_paid_without_a_break_across_the_merger(engine: Engine) -> None:
    """Everyone on the list in both June and July 2025 is paid in both, June by the old unit,
    July by its successor."""
    sql = """
    SELECT COUNT(*),
           SUM(CASE WHEN j.id IS NOT NULL AND k.id IS NOT NULL THEN 1 ELSE 0 END),
           SUM(CASE WHEN su.new_unit_id = k.admin_unit_id AND j.admin_unit_id = b.admin_unit_id
                    THEN 1 ELSE 0 END)
    FROM allowance_beneficiary b
    JOIN admin_unit_succession su ON su.old_unit_id = b.admin_unit_id AND su.effective = :merger
    LEFT JOIN allowance_payment j ON j.beneficiary_id = b.id AND j.month = :june
    LEFT JOIN allowance_payment k ON k.beneficiary_id = b.id AND k.month = :july
    WHERE b.start_month <= :june AND (b.end_month IS NULL OR b.end_month >= :july)
    """
    with engine.connect() as conn:
        on_list, paid_both, by_successor = conn.execute(
            sa.text(sql), {"merger": MERGER, "june": date(2025, 6, 1), "july": MERGER}
        ).one()
    assert on_list > 1800
    assert paid_both == on_list
    assert by_successor == on_list


def test_a_period_across_the_merger_sums_predecessors_then_successors(engine: Engine) -> None:
    """2025 in the 2025 units: each new commune's amount is its predecessors' January–June
    payments plus its own from July, and both halves are there."""
    filters = Filters(Period.year(2025), version=VERSION_2025)
    with engine.connect() as conn:
        shown = by_commune(conn, filters, Scope.everything())
        expected = paid_2025_units(conn, date(2025, 1, 1), date(2025, 12, 1))
        first_half = paid_old_units(conn, date(2025, 1, 1), date(2025, 6, 1))
        from_measures = measures(conn, filters, Scope.everything(), ["payouts"])
    got = dict(zip(shown["unit_code"], shown["paid_amount"].astype(int), strict=True))
    assert got == expected
    assert set(got) == set(SUCCESSORS)
    for code, olds in SUCCESSORS.items():
        predecessors = sum(first_half[o] for o in olds)
        assert 0 < predecessors < got[code]  # the second half, paid by the new commune, adds
    assert dict(zip(from_measures["code"], from_measures["paid_amount"], strict=True)) == got


def test_the_2023_units_show_2025_only_to_june(engine: Engine) -> None:
    """2025 in the 2023 units is cut to 1–6/2025, split into the nine old units exactly; their
    sum is the 2025 units' January–June total (the same rows, counted once)."""
    period = within_version(Period.year(2025), VERSION_2023)
    assert period == Period(date(2025, 1, 1), date(2025, 6, 1))
    assert within_version(Period.year(2026), VERSION_2023) is None
    assert within_version(Period.year(2026), VERSION_2025) == Period.year(2026)
    with engine.connect() as conn:
        old = by_commune(conn, Filters(period, version=VERSION_2023), Scope.everything())
        new = by_commune(conn, Filters(period, version=VERSION_2025), Scope.everything())
        expected = paid_old_units(conn, period.start, period.end)
    got = dict(zip(old["unit_code"], old["paid_amount"].astype(int), strict=True))
    assert set(got) == OLD_CODES
    assert got == expected
    assert sum(got.values()) == int(new["paid_amount"].sum())


def test_the_whole_of_2025_is_the_same_total_in_both_readings(engine: Engine) -> None:
    """The year's total in the 2025 units equals every 2025 payment of the district's rows."""
    with engine.connect() as conn:
        new = by_commune(conn, Filters(Period.year(2025), version=VERSION_2025), Scope.everything())
        total = conn.execute(
            sa.text(
                "SELECT SUM(amount_vnd) FROM allowance_payment WHERE status = 'paid' "
                "AND month BETWEEN :a AND :b"
            ),
            {"a": date(2025, 1, 1), "b": date(2025, 12, 1)},
        ).scalar_one()
    assert int(new["paid_amount"].sum()) == int(total)


def test_the_standard_rate_changes_inside_2024(engine: Engine) -> None:
    """500.000 đồng to 9/2024, 600.000 [G] from 10/2024: every 2024 payment is rate × hệ số,
    and the wrong-amount check finds nothing in 2024–2026."""
    sql = """
    SELECT p.month,
           MIN(p.amount_vnd * 10 / b.coefficient_x10),
           MAX(p.amount_vnd * 10 / b.coefficient_x10)
    FROM allowance_payment p JOIN allowance_beneficiary b ON b.id = p.beneficiary_id
    WHERE p.month IN (:sep, :oct) GROUP BY p.month ORDER BY p.month
    """
    with engine.connect() as conn:
        rows = conn.execute(sa.text(sql), {"sep": date(2024, 9, 1), "oct": date(2024, 10, 1)}).all()
        wrong = {
            year: count_problems(
                conn,
                Filters(Period.year(year), version=version),
                Scope.everything(),
                "wrong_amount",
            )
            for year, version in ((2024, VERSION_2023), (2025, VERSION_2025), (2026, VERSION_2025))
        }
    assert [(int(lo), int(hi)) for _, lo, hi in rows] == [(500_000, 500_000), (600_000, 600_000)]
    assert wrong == {2024: 0, 2025: 0, 2026: 0}


def test_a_new_commune_has_its_figures_from_the_new_communes_rows(engine: Engine) -> None:
    """Quý III/2026 in the 2025 units: health visits per new commune are the rows recorded
    under it (no old unit holds a 2026 record)."""
    filters = Filters(Period.quarter(2026, 3), version=VERSION_2025)
    with engine.connect() as conn:
        shown = measures(conn, filters, Scope.everything(), ["health_visits"])
        rows = conn.execute(
            sa.text(
                "SELECT u.code, COUNT(*) FROM health_check h "
                "JOIN admin_unit u ON u.id = h.admin_unit_id "
                "WHERE h.check_date BETWEEN :a AND :b GROUP BY u.code"
            ),
            {"a": date(2026, 7, 1), "b": date(2026, 9, 30)},
        ).all()
    column = next(c for c in shown.columns if c not in ("unit_id", "code", "name"))
    got = dict(zip(shown["code"], shown[column].astype(int), strict=True))
    assert got == {code: int(n) for code, n in rows}
    assert set(got) == set(SUCCESSORS) and all(v > 0 for v in got.values())
