"""The overview on a tablet: the district's 2023 figures, and a tap on a commune's row."""

from __future__ import annotations

import pytest

from tests.browser.dashboard import Dashboard

pytestmark = pytest.mark.browser

BENEFICIARIES = "Đối tượng hưởng trợ cấp xã hội hằng tháng"
HOUSING_FUNDS = "Kinh phí hỗ trợ nhà ở"


def test_overview_shows_the_districts_2023_figures(dashboard: Dashboard) -> None:
    dashboard.open("/")
    tiles = dashboard.tiles()
    assert tiles[BENEFICIARIES] == "1.911 đối tượng"
    assert tiles[HOUSING_FUNDS] == "1,48 tỷ đồng"
    assert "Toàn huyện · Năm 2023" in dashboard.in_effect()


def test_tapping_a_communes_row_shows_that_communes_figures(dashboard: Dashboard) -> None:
    dashboard.open("/")
    dashboard.tap_table_row("Xã Quảng Tân")
    dashboard.wait_for_url_param("xa", "06913")
    assert dashboard.tiles()[BENEFICIARIES] == "240 đối tượng"
    assert "Xã Quảng Tân · Năm 2023" in dashboard.in_effect()


def test_clearing_the_commune_after_a_row_tap_returns_to_the_district(
    dashboard: Dashboard,
) -> None:
    dashboard.open("/")
    dashboard.tap_table_row("Xã Quảng Tân")
    dashboard.wait_for_url_param("xa", "06913")
    dashboard.clear_communes()
    dashboard.settle()
    assert "xa" not in dashboard.params  # the earlier tap must not pull the view back
    assert dashboard.tiles()[BENEFICIARIES] == "1.911 đối tượng"
    dashboard.tap_table_row("Xã Tân Bình")  # and the table takes a new tap
    dashboard.wait_for_url_param("xa", "06904")
