"""What needs attention, the quarters behind each tile's small line, and the district's totals
beside a commune: exact figures of the demo database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine

from data_access.attention import BEHIND_PACE, BELOW_TARGET, attention, pace, year_to_date
from data_access.filters import (
    DistrictTotalsNotAllowedError,
    Filters,
    Period,
    Scope,
    data_months,
    district_scope,
)
from data_access.indicators import compared_period, district_totals, headline, indicator_values
from data_access.trends import quarterly, trend_quarters

AS_OF = date(2023, 11, 30)  # the demo's data end
Q3_2023 = Filters(Period.quarter(2023, 3))
# 2023 to the article's cut-off, 30/11/2023 (the demo's data runs on to 2026).
ARTICLE_2023 = Filters(Period.months(2023, 1, 2023, 11))
QUANG_TAN = "06913"


# --- the pace ---------------------------------------------------------------------------------


def test_the_pace_after_the_third_quarter_is_three_quarters_of_the_annual_target() -> None:
    done = year_to_date(Period.quarter(2023, 3), AS_OF)
    assert done == Period.months(2023, 1, 2023, 9) and pace(done) == 0.75


def test_a_year_still_running_is_judged_on_the_months_with_data() -> None:
    done = year_to_date(Period.year(2023), AS_OF)
    assert done == Period.months(2023, 1, 2023, 11) and pace(done) == 11 / 12
    assert pace(year_to_date(Period.year(2022), AS_OF)) == 1


# --- what needs attention ---------------------------------------------------------------------


def _lags(found):  # type: ignore[no-untyped-def]
    return [(lag.code, lag.rule, lag.unit_name, lag.value, lag.target) for lag in found.lags]


def test_after_the_third_quarter_the_district_sees_who_is_behind(engine: Engine) -> None:
    with engine.connect() as conn:
        found = attention(conn, Q3_2023, Scope.everything())
    assert found.pace == 0.75 and found.codes() == ["F2", "F3", "F4", "F11"]
    assert _lags(found) == [
        # health visits: each commune's year to date against 75% of its own annual target
        ("F2", BEHIND_PACE, "Xã Quảng Lâm", 140, 226),
        ("F2", BEHIND_PACE, "Xã Đầm Hà", 251, 387),
        ("F2", BEHIND_PACE, "Xã Đại Bình", 117, 177),
        ("F2", BEHIND_PACE, "Xã Tân Lập", 208, 299),
        ("F2", BEHIND_PACE, "Xã Tân Bình", 232, 327),
        # rates under the district's 100%: the district itself first, then the commune
        ("F3", BELOW_TARGET, None, pytest.approx(35 / 36), 1.0),
        ("F3", BELOW_TARGET, "Thị trấn Đầm Hà", pytest.approx(6 / 7), 1.0),
        ("F4", BELOW_TARGET, None, pytest.approx(36 / 37), 1.0),
        ("F4", BELOW_TARGET, "Thị trấn Đầm Hà", pytest.approx(8 / 9), 1.0),
        # recruitment consultations: 4 of the district's 6 by September, 4,5 due
        ("F11", BEHIND_PACE, None, 4, 6),
    ]
    assert found.lags[0].expected == 169.5 and found.lags[0].share == pytest.approx(140 / 226)


def test_a_commune_head_sees_only_their_communes_lags(engine: Engine) -> None:
    with engine.connect() as conn:
        found = attention(conn, Filters(Period.quarter(2023, 2)), Scope.commune(QUANG_TAN))
    assert _lags(found) == [
        ("F1", BELOW_TARGET, None, pytest.approx(632 / 633), 1.0),  # 633 aged 60+ at 30/6/2023
        ("F4", BELOW_TARGET, None, pytest.approx(11 / 12), 1.0),
    ]


def test_a_finished_year_is_judged_against_the_whole_target(engine: Engine) -> None:
    with engine.connect() as conn:
        found = attention(conn, Filters(Period.year(2022)), Scope.everything())
    f2 = [lag for lag in found.lags if lag.code == "F2"]
    assert [(lag.rule, lag.unit_name, lag.value, lag.expected) for lag in f2] == [
        (BELOW_TARGET, "Thị trấn Đầm Hà", 474, 537),
        (BELOW_TARGET, "Xã Tân Bình", 279, 305),
        (BELOW_TARGET, "Xã Quảng Lâm", 207, 211),
    ]


def test_nothing_lags_in_the_year_for_quang_tan(engine: Engine) -> None:
    with engine.connect() as conn:
        found = attention(conn, ARTICLE_2023, Scope.commune(QUANG_TAN))
    assert found.lags == ()


# --- the small line: the last whole quarters --------------------------------------------------


def test_the_trend_stops_at_the_last_whole_quarter_and_at_the_first_month() -> None:
    quarters = trend_quarters(Period.year(2023), date(2022, 1, 1), AS_OF)
    assert [q.start for q in quarters] == [
        date(y, m, 1) for y, m in [(2022, 1), (2022, 4), (2022, 7), (2022, 10), (2023, 1)]
    ] + [date(2023, 4, 1), date(2023, 7, 1)]
    eight = trend_quarters(Period.quarter(2023, 3), None, AS_OF)
    assert len(eight) == 8 and eight[0] == Period.quarter(2021, 4) and eight[-1].end.month == 9


def test_each_quarter_of_the_trend_is_the_tiles_own_figure(engine: Engine) -> None:
    with engine.connect() as conn:
        trend = quarterly(conn, ARTICLE_2023, Scope.everything())
        by_code = {code: group for code, group in trend.groupby("code")}
        assert by_code["F14"]["numerator"].tolist() == [1886, 1887, 1899, 1902, 1907, 1909, 1906]
        assert by_code["F2"]["numerator"].tolist() == [660, 639, 674, 891, 733, 806, 741]
        assert by_code["F15"]["numerator"].tolist()[-1] == 4_041_750_000
        assert by_code["F1"]["denominator"].tolist()[-1] == 4742  # 60+ and alive at 30/9/2023
        for quarter in trend_quarters(Period.year(2023), date(2022, 1, 1), AS_OF):
            totals, _ = indicator_values(conn, Filters(quarter), Scope.everything())
            mine = trend[trend["quarter"] == quarter.start].set_index("code")
            assert mine["numerator"].to_dict() == totals.set_index("code")["numerator"].to_dict()


def test_a_commune_heads_trend_is_their_communes(engine: Engine) -> None:
    with engine.connect() as conn:
        trend = quarterly(conn, ARTICLE_2023, Scope.commune(QUANG_TAN))
    f14 = trend[trend["code"] == "F14"]["numerator"].tolist()
    assert f14 == [236, 236, 238, 240, 242, 241, 237]


# --- the comparison: the same months a year earlier -------------------------------------------


def test_a_year_with_eleven_months_of_data_is_compared_with_the_same_eleven(engine: Engine) -> None:
    assert data_months(Period.year(2023), AS_OF) == Period.months(2023, 1, 2023, 11)
    assert compared_period(Period.year(2023), AS_OF) == Period.months(2022, 1, 2022, 11)
    assert compared_period(Period.quarter(2023, 3), AS_OF) == Period.quarter(2022, 3)
    with engine.connect() as conn:
        table = headline(conn, ARTICLE_2023, Scope.everything()).set_index("code")
    # 3.127 visits in January–November 2023 against 2.657 in January–November 2022 (the whole
    # of 2022 had 2.864: comparing with it made the rise look half as large).
    assert (table.loc["F2", "last_year"], table.loc["F2", "change"]) == (2657, 470)


# --- the district beside a commune ------------------------------------------------------------


def test_a_commune_head_may_see_the_districts_totals_only_when_the_scope_allows(
    engine: Engine,
) -> None:
    head = Scope.commune(QUANG_TAN)
    assert district_scope(head) == Scope.everything(persons=False)
    closed = Scope.commune(QUANG_TAN, district_totals=False)
    with engine.connect() as conn:
        totals = district_totals(conn, Q3_2023, head)
        with pytest.raises(DistrictTotalsNotAllowedError) as refused:
            district_totals(conn, Q3_2023, closed)
    assert totals.set_index("code").loc["F14", "numerator"] == 1906
    assert "toàn huyện" in refused.value.message("vi")


def test_a_year_before_the_data_began_is_nothing_to_compare_with(engine: Engine) -> None:
    with engine.connect() as conn:
        table = headline(conn, Filters(Period.year(2022)), Scope.everything()).set_index("code")
    # The data starts in January 2022: 2021 held no payments, so 2022's 14,47 tỷ is no rise.
    assert table["last_year"].isna().all() and table["change"].isna().all()
    assert table.loc["F15", "value"] == 14_474_782_000
