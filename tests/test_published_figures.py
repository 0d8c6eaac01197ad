"""The demo database reproduces the published 2023 figures F1–F15 (DOMAIN.md §1) through the
same queries that serve any filter, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from data_access.filters import Filters, Period, Scope
from data_access.indicators import indicator_values
from data_access.queries import data_as_of, measures

# The article's figures are of 2023 up to its cut-off, 30/11/2023; the data runs on to 2026.
DISTRICT_2023 = Filters(Period.months(2023, 1, 2023, 11))


@pytest.fixture(scope="module")
def figures(engine: Engine) -> dict[str, tuple[int, int | None, float | None]]:
    with engine.connect() as conn:
        total, _ = indicator_values(conn, DISTRICT_2023, Scope.everything())
    return {
        row.code: (
            row.numerator,
            None
            if row.denominator is None or row.denominator != row.denominator
            else int(row.denominator),
            row.value,
        )
        for row in total.itertuples()
    }


def test_data_runs_to_30_november_2026(engine: Engine) -> None:
    with engine.connect() as conn:
        assert data_as_of(conn).isoformat() == "2026-11-30"


def test_f1_every_elderly_person_holds_a_state_supported_card(figures) -> None:
    covered, elderly, value = figures["F1"]
    assert elderly > 4000 and covered == elderly and value == 1.0


def test_f2_more_than_3000_elderly_health_visits(figures) -> None:
    visits, _, _ = figures["F2"]
    assert 3001 <= visits <= 3300


def test_f3_every_child_in_special_circumstances_supported(figures) -> None:
    supported, cases, value = figures["F3"]
    assert cases > 0 and supported == cases and value == 1.0


def test_f4_every_at_risk_child_given_intervention(figures) -> None:
    supported, cases, value = figures["F4"]
    assert cases > 0 and supported == cases and value == 1.0


def test_f5_nine_of_nine_communes_have_a_child_protection_board(figures) -> None:
    assert figures["F5"] == (9, 9, 1.0)


def test_f6_every_village_has_a_collaborator(figures) -> None:
    with_collaborator, villages, value = figures["F6"]
    assert villages > 60 and with_collaborator == villages and value == 1.0


def test_f7_thirteen_new_builds(figures) -> None:
    assert figures["F7"][0] == 13


def test_f8_eleven_repairs(figures) -> None:
    assert figures["F8"][0] == 11


def test_f9_housing_funding_is_1_48_billion_all_socialised(figures) -> None:
    assert figures["F9"][0] == 1_480_000_000
    assert figures["F9S"] == (1_480_000_000, 1_480_000_000, 1.0)


def test_f10_three_job_fairs_not_six(figures) -> None:
    assert figures["F10"][0] == 3


def test_f11_six_recruitment_consultations_not_twelve(figures) -> None:
    assert figures["F11"][0] == 6


def test_f12_seven_classes_four_non_agricultural_three_agricultural(
    engine: Engine, figures
) -> None:
    assert figures["F12"][0] == 7
    with engine.connect() as conn:
        frame = measures(conn, DISTRICT_2023, Scope.everything(), ["training"])
    assert (int(frame["classes_non_agri"].sum()), int(frame["classes_agri"].sum())) == (4, 3)


def test_f13_nearly_200_learners(figures) -> None:
    assert 185 <= figures["F13"][0] <= 199


def test_f14_1911_beneficiaries_on_the_monthly_allowance(figures) -> None:
    assert figures["F14"][0] == 1911


def test_f15_nearly_15_billion_paid_to_end_of_november(figures) -> None:
    assert 14_500_000_000 <= figures["F15"][0] <= 14_990_000_000
