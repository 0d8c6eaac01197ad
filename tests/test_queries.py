"""Filters narrow results and commune figures add up to the district's, on both engines."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from data_access.errors import (
    InvalidPeriodError,
    OutOfScopeError,
    UnknownCommuneError,
    UnknownVersionError,
)
from data_access.filters import Filters, Period, Scope
from data_access.indicators import INDICATORS, headline, indicator_values
from data_access.queries import measures

YEAR_2023 = Period.year(2023)
COUNT_COLUMNS = [
    "health_visits",
    "new_builds",
    "repairs",
    "grant_amount",
    "job_fairs",
    "recruitment_events",
    "classes",
    "learners",
    "beneficiaries",
    "paid_amount",
    "elderly",
    "elderly_covered",
    "villages",
    "special_cases",
]


def test_commune_values_add_up_to_the_district(engine: Engine) -> None:
    with engine.connect() as conn:
        total, by_unit = indicator_values(conn, Filters(YEAR_2023), Scope.everything())
    assert by_unit["unit_code"].nunique() == 9
    for ind in INDICATORS:
        rows = by_unit[by_unit["code"] == ind.code]
        expected = total[total["code"] == ind.code].iloc[0]
        assert rows["numerator"].sum() == expected["numerator"], ind.code
        if ind.denominator:
            assert rows["denominator"].sum() == expected["denominator"], ind.code


def test_one_commune_filter_returns_exactly_that_communes_row(engine: Engine) -> None:
    with engine.connect() as conn:
        everything = measures(conn, Filters(YEAR_2023), Scope.everything())
        one = measures(conn, Filters(YEAR_2023, communes=("06913",)), Scope.everything())
    assert list(one["code"]) == ["06913"]
    expected = everything[everything["code"] == "06913"].iloc[0]
    for column in COUNT_COLUMNS:
        assert one.iloc[0][column] == expected[column], column


def test_communes_are_roughly_proportional_to_population(engine: Engine) -> None:
    with engine.connect() as conn:
        frame = measures(conn, Filters(YEAR_2023), Scope.everything(), ["allowance_active"])
    by_code = dict(zip(frame["code"], frame["beneficiaries"], strict=True))
    # Thị trấn Đầm Hà (7.900 people) has more beneficiaries than Xã Đại Bình (2.432).
    assert by_code["06895"] > 1.5 * by_code["06919"]
    assert all(v > 0 for v in by_code.values())


def test_a_quarter_holds_only_its_three_months_of_payments(engine: Engine) -> None:
    with engine.connect() as conn:
        quarters = [
            int(
                measures(conn, Filters(Period.quarter(2023, q)), Scope.everything(), ["payouts"])[
                    "paid_amount"
                ].sum()
            )
            for q in (1, 2, 3)
        ]
        to_november, december = (
            int(
                measures(conn, Filters(months), Scope.everything(), ["payouts"])[
                    "paid_amount"
                ].sum()
            )
            for months in (Period.months(2023, 10, 2023, 11), Period.months(2023, 12, 2023, 12))
        )
        year = int(
            measures(conn, Filters(YEAR_2023), Scope.everything(), ["payouts"])["paid_amount"].sum()
        )
    assert all(q > 3_000_000_000 for q in quarters)
    assert december > 0  # the data run on past 30/11/2023: the year 2023 is whole
    assert sum(quarters) + to_november + december == year


def test_2022_and_2023_differ_in_the_way_the_rates_do(engine: Engine) -> None:
    with engine.connect() as conn:
        y22, _ = indicator_values(conn, Filters(Period.year(2022)), Scope.everything())
        y23, _ = indicator_values(conn, Filters(YEAR_2023), Scope.everything())
    v22 = dict(zip(y22["code"], y22["numerator"], strict=True))
    v23 = dict(zip(y23["code"], y23["numerator"], strict=True))
    assert v22["F7"] == 9 and v22["F8"] == 7 and v22["F10"] == 2 and v22["F11"] == 4
    assert v22["F12"] == 6 and v22["F2"] == 2864
    # 2022 was paid at 450.000 đồng a month, 2023 at 500.000 (both whole years of data now).
    assert v22["F15"] < v23["F15"]


def test_2022_bhyt_coverage_was_below_target(engine: Engine) -> None:
    with engine.connect() as conn:
        table = headline(conn, Filters(Period.year(2022)), Scope.everything())
    f1 = table[table["code"] == "F1"].iloc[0]
    assert 0.95 < f1["value"] < 1.0 and f1["meets_target"] is False


def test_headline_compares_with_the_same_period_last_year(engine: Engine) -> None:
    with engine.connect() as conn:
        table = headline(conn, Filters(YEAR_2023), Scope.everything())
    f7 = table[table["code"] == "F7"].iloc[0]
    assert (f7["value"], f7["last_year"], f7["change"], f7["target"]) == (13, 9, 4, 12)
    assert f7["meets_target"] is True


def test_2025_version_rolls_nine_units_into_two_communes(engine: Engine) -> None:
    with engine.connect() as conn:
        old = measures(conn, Filters(YEAR_2023), Scope.everything(), ["allowance_active", "boards"])
        new = measures(
            conn,
            Filters(YEAR_2023, version="2025"),
            Scope.everything(),
            ["allowance_active", "boards"],
        )
    assert list(new["code"]) == ["06895", "06913"]
    old_by = dict(zip(old["code"], old["beneficiaries"], strict=True))
    new_by = dict(zip(new["code"], new["beneficiaries"], strict=True))
    assert new_by["06895"] == sum(old_by[c] for c in ["06895", "06904", "06919", "06917", "06916"])
    assert new_by["06913"] == sum(old_by[c] for c in ["06901", "06910", "06898", "06913"])
    assert list(new["communes"]) == [5, 4]


def test_code_06895_means_a_different_unit_in_each_version(engine: Engine) -> None:
    with engine.connect() as conn:
        town = measures(conn, Filters(YEAR_2023, communes=("06895",)), Scope.everything())
        merged = measures(
            conn, Filters(YEAR_2023, communes=("06895",), version="2025"), Scope.everything()
        )
    assert town.iloc[0]["name"] == "Thị trấn Đầm Hà"
    assert merged.iloc[0]["name"] == "Xã Đầm Hà"
    assert merged.iloc[0]["beneficiaries"] > town.iloc[0]["beneficiaries"]


def test_scope_limits_a_commune_head_to_their_commune(engine: Engine) -> None:
    with engine.connect() as conn:
        mine = measures(conn, Filters(YEAR_2023), Scope.commune("06913"))
        assert list(mine["code"]) == ["06913"]
        with pytest.raises(OutOfScopeError) as err:
            measures(conn, Filters(YEAR_2023, communes=("06901",)), Scope.commune("06913"))
    assert "06901" in err.value.message("vi")


def test_unknown_commune_code_names_the_code(engine: Engine) -> None:
    with engine.connect() as conn, pytest.raises(UnknownCommuneError) as err:
        measures(conn, Filters(YEAR_2023, communes=("99999",)), Scope.everything())
    assert "99999" in err.value.message("vi") and "99999" in err.value.message("en")


def test_sql_injection_in_a_commune_code_is_just_an_unknown_code(engine: Engine) -> None:
    evil = "06913' OR '1'='1"
    with engine.connect() as conn, pytest.raises(UnknownCommuneError) as err:
        measures(conn, Filters(YEAR_2023, communes=(evil,)), Scope.everything())
    assert evil in err.value.message("en")


def test_period_ending_before_it_starts_is_refused_with_both_months() -> None:
    with pytest.raises(InvalidPeriodError) as err:
        Period.months(2023, 9, 2023, 3)
    assert "9/2023" in err.value.message("vi") and "3/2023" in err.value.message("vi")


def test_impossible_month_is_refused() -> None:
    with pytest.raises(InvalidPeriodError) as err:
        Period.months(2023, 13, 2023, 14)
    assert "13/2023" in err.value.message("vi")


def test_unknown_unit_version_is_refused() -> None:
    with pytest.raises(UnknownVersionError):
        Filters(YEAR_2023, version="2030")


def test_period_helpers() -> None:
    q3 = Period.quarter(2023, 3)
    assert (q3.start.isoformat(), q3.end.isoformat(), q3.end_date.isoformat()) == (
        "2023-07-01",
        "2023-09-01",
        "2023-09-30",
    )
    assert q3.previous() == Period.quarter(2023, 2)
    assert q3.same_period_last_year() == Period.quarter(2022, 3)
    assert Period.quarter(2023, 1).previous() == Period.quarter(2022, 4)
    assert YEAR_2023.last_months(6) == Period.months(2023, 7, 2023, 12)
    assert q3.is_quarter() and not YEAR_2023.is_quarter()
