"""The overview on a tablet: the district's published 2023 figures (to the article's cut-off,
30/11/2023), the first view (Năm 2026 in the 2025 units), and a tap on a commune's row."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.browser.dashboard import Dashboard
from tests.browser.rows import on_the_list_2025, vi_count

pytestmark = pytest.mark.browser

BENEFICIARIES = "Đối tượng hưởng trợ cấp xã hội hằng tháng"
HOUSING_FUNDS = "Kinh phí hỗ trợ nhà ở"
ARTICLE_2023 = "/?tu=2023-01&den=2023-11"  # a 2023 period opens in the 2023 units
# The 2025 units' whole area, as the demo's organisation names it (data_access.organisation)
AREA_2025 = "Địa bàn huyện Đầm Hà (cũ)"
NEW_QUANG_TAN, NEW_DAM_HA = "06913", "06895"  # the two communes of 1/7/2025
LAST_MONTH = date(2026, 11, 1)  # the demo's data end on 30/11/2026: F14 is that month's list


def test_overview_shows_the_districts_2023_figures(dashboard: Dashboard) -> None:
    dashboard.open(ARTICLE_2023)
    tiles = dashboard.tiles()
    assert tiles[BENEFICIARIES] == "1.911 đối tượng"
    assert tiles[HOUSING_FUNDS] == "1,48 tỷ đồng"
    assert "Toàn huyện · Tháng 1–11/2023" in dashboard.in_effect()


def test_tapping_a_communes_row_shows_that_communes_figures(
    dashboard: Dashboard, demo_sqlite_path: Path
) -> None:
    listed = on_the_list_2025(demo_sqlite_path, LAST_MONTH)  # {06895: 1117, 06913: 820}
    dashboard.open("/")  # the first view: the latest year, in the units in force today
    assert f"{AREA_2025} · Năm 2026" in dashboard.in_effect()
    assert dashboard.tiles()[BENEFICIARIES] == vi_count(sum(listed.values()), "đối tượng")
    dashboard.tap_table_row("Xã Quảng Tân")
    dashboard.wait_for_url_param("xa", NEW_QUANG_TAN)
    assert dashboard.tiles()[BENEFICIARIES] == vi_count(listed[NEW_QUANG_TAN], "đối tượng")
    assert "Xã Quảng Tân · Năm 2026" in dashboard.in_effect()


def test_clearing_the_commune_after_a_row_tap_returns_to_the_district(
    dashboard: Dashboard, demo_sqlite_path: Path
) -> None:
    listed = on_the_list_2025(demo_sqlite_path, LAST_MONTH)
    dashboard.open("/")
    dashboard.tap_table_row("Xã Quảng Tân")
    dashboard.wait_for_url_param("xa", NEW_QUANG_TAN)
    dashboard.clear_communes()
    dashboard.settle()
    assert "xa" not in dashboard.params  # the earlier tap must not pull the view back
    assert dashboard.tiles()[BENEFICIARIES] == vi_count(sum(listed.values()), "đối tượng")
    assert f"{AREA_2025} · Năm 2026" in dashboard.in_effect()
    dashboard.tap_table_row("Xã Đầm Hà")  # and the table takes a new tap
    dashboard.wait_for_url_param("xa", NEW_DAM_HA)
